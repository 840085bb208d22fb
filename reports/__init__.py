"""Printed documents (PDF): rendering.py turns a template and plain dataclasses into PDF bytes;
one builder module per document reads the database and returns its dataclass.

    from reports.receipt import build_receipt, receipt_pdf      # 收据
    from reports.statement import build_statement, statement_pdf  # 收费台帐 / 对账单

Nothing here imports app views; builders take ids and read through app models and services.
"""
