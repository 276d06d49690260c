"""The execution machines (spec ``exec/instructions.rst`` made to run), beside the semantics they expand
(``oracle.exec``).

* ``machines``: the machines a store can name and what each needs of Python (recursion limit);
* ``compile`` (with ``compile_base``, ``compile_instrs``, ``compile_exceptions``): function bodies to Python source;
* ``interpret`` (with ``interpret_prepare``): the plain interpreter;
* ``blocks``: the shared pre-pass, a body's block structure matched once;
* ``conventions``: the template instruction table and the calling convention's frame cost;
* ``legend``: the one definition of every name the generated code uses;
* ``ops``: the form (``Op``) in which the semantics modules hand instructions to the machines.
"""
