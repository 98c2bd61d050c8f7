"""Presentation: terminal tables and trees, file exports, HTML maps."""
