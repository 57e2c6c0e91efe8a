"""The SQL expression language: elements, selectables, DML, DDL and the compiler."""
