"""Judging a converted script: which execution strategy runs it (``execution``: one engine command by command,
a whole-script engine, or an engine against a reference), the three-way diff (``diff``) and the outcomes other
choices of the relaxed parameters allow (``relaxed``). Built on the script layer (``wast_runner.script``) and the
engine interface; the driver uses only ``execution``.
"""
