"""The bridge-point side: the site agent for a site PC and the rehearsal simulator (issue 3)."""
