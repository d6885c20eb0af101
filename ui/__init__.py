"""Shared helpers for the dashboard pages (Streamlit-aware; no training logic)."""
