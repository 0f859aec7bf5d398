"""The bottom layer: settings, the error hierarchy, packaged resources and file helpers.

Every other package may import from here; nothing here imports any other factdesk package.
"""
