"""Jinja2 templates of the HTML report (package data; a package so that every install ships them)."""
