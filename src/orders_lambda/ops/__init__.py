"""Operators' commands (``orders dlq ...``): plain functions plus argparse hooks."""
