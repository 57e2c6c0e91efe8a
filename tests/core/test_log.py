"""Engine/pool logging: echo levels, logger names, default handler, password scrubbing."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from sqlweave.core import exc, log
from sqlweave.core.engine.url import make_url


class FakeEngine(log.Identified):
    """Stands in for Engine: the log contract is all it uses."""

    _logger_name = log.ENGINE_LOGGER_NAME
    echo = log.echo_property()

    def __init__(self, echo: log.EchoFlag = None, logging_name: str | None = None) -> None:
        self.logging_name = logging_name
        log.instance_logger(self, echoflag=echo)

    def execute(self, sql: str, rows: list[tuple[int, ...]]) -> None:
        if self._should_log_info:
            self.logger.info("%s", sql)
        if self._should_log_debug:
            self.logger.debug("Row %r", rows[0])


class FakePool(log.Identified):
    _logger_name = log.POOL_LOGGER_NAME

    def __init__(self, echo: log.EchoFlag = None) -> None:
        log.instance_logger(self, echoflag=echo)


@pytest.fixture(autouse=True)
def clean_logging() -> Iterator[None]:
    """Remove the default handler echo may add, and restore levels we touch."""
    root = logging.getLogger("sqlweave")
    before = list(root.handlers)
    level = root.level
    yield
    for h in list(root.handlers):
        if h not in before:
            root.removeHandler(h)
    root.setLevel(level)
    logging.getLogger(log.ENGINE_LOGGER_NAME).setLevel(logging.NOTSET)


def _records(caplog: pytest.LogCaptureFixture) -> list[tuple[str, int, str]]:
    return [
        (r.name, r.levelno, r.getMessage())
        for r in caplog.records
        if r.name.startswith("sqlweave")
    ]


def test_sqlweave_logger_defaults_to_warning() -> None:
    assert logging.getLogger("sqlweave").level == logging.WARNING


def test_echo_true_logs_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.NOTSET)
    engine = FakeEngine(echo=True)
    assert engine._should_log_info is True
    assert engine._should_log_debug is False
    assert isinstance(engine.logger, log.InstanceLogger)
    engine.execute("SELECT 1", [(1,)])
    assert _records(caplog) == [("sqlweave.engine.Engine", logging.INFO, "SELECT 1")]
    # records report the caller, not the adapter
    assert caplog.records[-1].funcName == "execute"


def test_echo_debug_logs_rows(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.NOTSET)
    engine = FakeEngine(echo="debug")
    assert engine._should_log_info and engine._should_log_debug
    engine.execute("SELECT 1", [(1,)])
    assert _records(caplog) == [
        ("sqlweave.engine.Engine", logging.INFO, "SELECT 1"),
        ("sqlweave.engine.Engine", logging.DEBUG, "Row (1,)"),
    ]


@pytest.mark.parametrize("echo", [False, None])
def test_echo_off_logs_nothing(caplog: pytest.LogCaptureFixture, echo: log.EchoFlag) -> None:
    caplog.set_level(logging.NOTSET)  # root accepts everything; sqlweave stays at WARNING
    root = logging.getLogger("sqlweave")
    handlers = list(root.handlers)
    engine = FakeEngine(echo=echo)
    assert engine._should_log_info is False and engine._should_log_debug is False
    assert isinstance(engine.logger, logging.Logger)
    engine.execute("SELECT 1", [(1,)])
    assert _records(caplog) == []
    assert root.handlers == handlers  # no handler added when echo is off


def test_echo_off_defers_to_logging_config(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sqlweave.engine")
    engine = FakeEngine(echo=False)
    assert engine._should_log_info is True and engine._should_log_debug is False
    engine.execute("SELECT 2", [(2,)])
    assert _records(caplog) == [("sqlweave.engine.Engine", logging.INFO, "SELECT 2")]


def test_refresh_log_flags_follows_config_changes() -> None:
    engine = FakeEngine()
    assert engine._should_log_info is False
    logging.getLogger(log.ENGINE_LOGGER_NAME).setLevel(logging.DEBUG)
    assert engine._should_log_info is False  # a snapshot until refreshed
    log.refresh_log_flags(engine)
    assert engine._should_log_info and engine._should_log_debug


def test_echo_property_reassigns(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.NOTSET)
    engine = FakeEngine()
    assert engine.echo is None
    engine.echo = True
    assert engine.echo is True and engine._should_log_info
    engine.execute("SELECT 3", [(3,)])
    engine.echo = False
    assert not engine._should_log_info
    engine.execute("SELECT 4", [(4,)])
    assert [m for _, _, m in _records(caplog)] == ["SELECT 3"]


def test_echo_is_per_instance(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.NOTSET)
    loud, quiet = FakeEngine(echo=True), FakeEngine(echo=False)
    quiet.execute("quiet", [(0,)])
    loud.execute("loud", [(0,)])
    assert [m for _, _, m in _records(caplog)] == ["loud"]
    # echo did not change the stdlib logger's own level
    assert logging.getLogger(log.ENGINE_LOGGER_NAME).level == logging.NOTSET


def test_logging_name_suffix(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.NOTSET)
    engine = FakeEngine(echo=True, logging_name="reports")
    assert engine.logger.name == "sqlweave.engine.Engine.reports"
    engine.execute("SELECT 5", [(5,)])
    assert _records(caplog)[0][0] == "sqlweave.engine.Engine.reports"


def test_pool_logger_name(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.NOTSET)
    pool = FakePool(echo="debug")
    assert pool.logger.name == "sqlweave.pool"
    pool.logger.debug("checkout %s", "conn1")
    assert _records(caplog) == [("sqlweave.pool", logging.DEBUG, "checkout conn1")]


def test_default_handler_added_once_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger("sqlweave")
    for h in list(root.handlers):
        root.removeHandler(h)
    engine = FakeEngine(echo=True)
    FakeEngine(echo=True)
    FakePool(echo=True)
    added = [h for h in root.handlers if getattr(h, "_sqlweave_default", False)]
    assert len(added) == 1
    fmt = added[0].formatter
    assert fmt is not None and fmt._fmt == "%(asctime)s %(levelname)s %(name)s %(message)s"
    engine.execute("SELECT 6", [(6,)])
    out = capsys.readouterr().out
    assert "INFO sqlweave.engine.Engine SELECT 6" in out


def test_no_default_handler_when_one_is_configured() -> None:
    root = logging.getLogger("sqlweave")
    for h in list(root.handlers):
        root.removeHandler(h)
    mine = logging.NullHandler()
    logging.getLogger("sqlweave.engine").addHandler(mine)
    try:
        FakeEngine(echo=True)
        assert root.handlers == []
    finally:
        logging.getLogger("sqlweave.engine").removeHandler(mine)


def test_logging_disable_is_honoured(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.NOTSET)
    engine = FakeEngine(echo=True)
    logging.disable(logging.INFO)
    try:
        engine.logger.info("hidden")
    finally:
        logging.disable(logging.NOTSET)
    assert _records(caplog) == []


@pytest.mark.parametrize("bad", ["info", 1.5, "DEBUG", 2])
def test_bad_echo_value(bad: object) -> None:
    with pytest.raises(exc.ArgumentError, match="echo must be"):
        FakeEngine(echo=bad)  # type: ignore[arg-type]


def test_identified_defaults_are_silent() -> None:
    class Bare(log.Identified):
        pass

    bare = Bare()
    assert bare._should_log_info is False and bare._should_log_debug is False


# -- hide_password ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, password, expected",
    [
        ("connect as scott/S3cret! failed", "S3cret!", "connect as scott/*** failed"),
        ("pw p@ss:w/d and again p@ss:w/d", "p@ss:w/d", "pw *** and again ***"),
        ("dsn user=x password=p%40ss%3Aw%2Fd", "p@ss:w/d", "dsn user=x password=***"),
        ("url ...:p%40ss%3aw%2fd@h", "p@ss:w/d", "url ...:***@h"),
        ("form a+b+c", "a b c", "form ***"),
        ("nothing here", "S3cret!", "nothing here"),
        ("nothing here", None, "nothing here"),
        ("nothing here", "", "nothing here"),
        ("", "x", ""),
    ],
)
def test_hide_password(text: str, password: str | None, expected: str) -> None:
    assert log.hide_password(text, password) == expected


def test_hide_password_in_rendered_url() -> None:
    url = make_url("postgresql://u:p%40%2F%3F%23%25Zx@h/db")
    text = f"failed: {url.render_as_string(hide_password=False)}"
    scrubbed = log.hide_password(text, url.password)
    assert url.password is not None and url.password not in scrubbed
    assert "Zx" not in scrubbed
    assert scrubbed == "failed: postgresql://u:***@h/db"


def test_echo_logs_never_carry_password(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.NOTSET)
    url = make_url("postgresql://scott:Tig3r-Pw@localhost/test")
    engine = FakeEngine(echo="debug")
    engine.logger.info("Engine created for %s", url)  # what an engine logs: str(url)
    assert "Tig3r-Pw" not in caplog.text
    assert "scott:***@localhost" in caplog.text
