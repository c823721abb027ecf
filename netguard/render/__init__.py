"""Renderers: results in, text out. They never collect, evaluate or decide anything."""
