"""Identifier quoting: the one place that decides how a name reaches SQL.

A name is quoted when it is a reserved word, has characters outside ``[a-z0-9_$]``, starts with a
digit or ``$``, or is not all lower case (lower case is the case-insensitive spelling). Quoting
doubles the quote character inside the name, so no name can end the identifier early.
"""

from __future__ import annotations

import re
from typing import Any

from sqlweave.core import exc

RESERVED_WORDS = frozenset(
    """all analyse analyze and any array as asc asymmetric authorization binary both case cast
    check collate column constraint create cross current_date current_role current_time
    current_timestamp current_user default deferrable desc distinct do else end except false
    for foreign freeze from full grant group having ilike in initially inner intersect into is
    isnull join lateral leading left like limit localtime localtimestamp natural new not notnull
    null off offset old on only or order outer overlaps placing primary references returning
    right select session_user similar some symmetric table then to trailing true union unique
    user using variadic verbose when where window with values""".split()
)

LEGAL_CHARACTERS = re.compile(r"^[a-z0-9_$]+$")
ILLEGAL_INITIAL = frozenset("0123456789$_")


class IdentifierPreparer:
    """Quotes identifiers for one dialect. Dialects set the class attributes."""

    reserved_words: frozenset[str] = RESERVED_WORDS
    legal_characters = LEGAL_CHARACTERS
    illegal_initial_characters = frozenset("0123456789$")
    initial_quote = '"'
    final_quote = '"'
    escape_quote = '"'
    escape_to_quote = '""'

    def __init__(self, dialect: Any) -> None:
        self.dialect = dialect
        self._cache: dict[str, str] = {}
        self.max_identifier_length = getattr(dialect, "max_identifier_length", 63)

    def _requires_quotes(self, value: str) -> bool:
        lc = value.lower()
        return (
            lc in self.reserved_words
            or value[0] in self.illegal_initial_characters
            or not self.legal_characters.match(value)
            or lc != value
        )

    def quote_identifier(self, value: str) -> str:
        """Always quote ``value``, doubling any quote character inside it."""
        return self.initial_quote + value.replace(self.escape_quote, self.escape_to_quote) + self.final_quote

    def quote(self, ident: str | None, force: Any = None) -> str:
        """Quote ``ident`` if it needs it (reserved, unusual characters or case)."""
        if ident is None:
            raise exc.CompileError("an identifier is required here but the element has no name")
        cached = self._cache.get(ident)
        if cached is None:
            if not ident:
                raise exc.IdentifierError("an identifier can't be empty")
            cached = self.quote_identifier(ident) if force or self._requires_quotes(ident) else ident
            self._cache[ident] = cached
        return cached

    def validate_identifier(self, ident: str) -> None:
        """Raise :class:`~sqlweave.core.exc.IdentifierError` for a name the database would cut."""
        limit = self.max_identifier_length
        if limit and len(ident.encode("utf-8") if getattr(self.dialect, "identifier_length_in_bytes", False) else ident) > limit:
            raise exc.IdentifierError(
                f"Identifier '{ident[:40]}...' exceeds maximum length of {limit} characters "
                f"for the {self.dialect.name} dialect"
            )

    def quote_schema(self, schema: str) -> str:
        """Quote a schema name as one identifier (a ``.`` inside it is part of the name, as in
        SQLAlchemy 2.0; splitting it would let a hostile name address another schema)."""
        return self.quote(schema)

    #: ``execution_options(schema_translate_map=...)``: schema name → schema name to render
    schema_translate_map: dict[Any, Any] | None = None

    def with_schema_translate_map(self, mapping: dict[Any, Any]) -> IdentifierPreparer:
        """A copy of this preparer that renders table schemas through ``mapping``."""
        import copy

        new = copy.copy(self)
        new.schema_translate_map = dict(mapping)
        new._cache = self._cache
        return new

    def format_table(self, table: Any, use_schema: bool = True, name: str | None = None) -> str:
        result = self.quote(name or table.name)
        schema = getattr(table, "schema", None)
        if self.schema_translate_map is not None:
            schema = self.schema_translate_map.get(schema, schema)
        if use_schema and schema:
            result = self.quote_schema(schema) + "." + result
        return result

    def format_column(self, column: Any, use_table: bool = False, name: str | None = None) -> str:
        name = name or column.name
        if getattr(column, "is_literal", False):
            return name  # type: ignore[no-any-return]
        return self.quote(name)

    def format_label_name(self, name: str) -> str:
        return self.quote(name)

    def format_constraint(self, constraint: Any, name: str | None = None) -> str:
        name = name or constraint.name
        self.validate_identifier(name)  # type: ignore[arg-type]
        return self.quote(name)

    def format_index(self, index: Any, name: str | None = None) -> str:
        name = name or index.name
        self.validate_identifier(name)  # type: ignore[arg-type]
        return self.quote(name)

    def format_sequence(self, sequence: Any) -> str:
        name = self.quote(sequence.name)
        if sequence.schema:
            name = self.quote_schema(sequence.schema) + "." + name
        return name

    def format_savepoint(self, name: str) -> str:
        return self.quote(name)
