"""Điểm Cầu server. Kept free of imports so the runner can patch for eventlet before anything loads."""
