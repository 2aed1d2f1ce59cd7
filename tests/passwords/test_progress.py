import io

from scanner.passwords.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_draws_on_a_terminal_once_the_work_takes_a_moment_and_erases_itself() -> None:
    stream = Terminal()
    bar = ProgressBar(10, "scoring passwords", stream=stream, delay=0.0)
    bar.advance(5)
    bar.close()
    text = stream.getvalue()
    assert "scoring passwords [###############...............] 5/10" in text
    assert text.endswith("\r")


def test_bar_stays_silent_when_the_work_is_quick_or_stderr_is_not_a_terminal() -> None:
    quick = Terminal()
    bar = ProgressBar(10, "scoring", stream=quick, delay=60.0)
    bar.advance(10)
    bar.close()
    assert quick.getvalue() == ""
    piped = io.StringIO()
    bar = ProgressBar(10, "scoring", stream=piped, delay=0.0)
    bar.advance(10)
    bar.close()
    assert piped.getvalue() == ""
