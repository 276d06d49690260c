"""The driver: which files a run has (``jobs``), running one file by its suite kind (``files``), and running
many, inline or in worker processes (``run``, ``workers``). It speaks the data types of ``wast_runner.model`` and
runs scripts through the execution strategy ``judge.execution.make_execution`` returns for the engine spec.
"""
