"""HTTP interfaces: parse, authorise, call one service, render."""
