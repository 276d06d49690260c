"""The text format (spec ``text/``): lexer, values, types, instructions, modules, and the ``.wast`` script layer.

``parse_module(text, features)`` gives the ``oracle.syntax.module.Module`` the decoder would give for the
module's binary encoding; ``parse_script(text)`` (``oracle.text.script``) the commands of a script. Errors are
``TextError`` (a ``Malformed``) with file, line and column.
"""
from .lexer import TextError
from .modules import parse_module
from .script import parse_script

__all__ = ["TextError", "parse_module", "parse_script"]
