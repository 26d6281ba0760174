"""A small, forgiving reader of the shell in CI scripts: which commands run, which of them can fail, and
where each one's output goes.

Not a shell parser: it splits a script into simple commands the way a reader does (quotes, ``\\``
continuations, here-documents, ``$(...)``, ``;``/``&&``/``||``/``|``/``&``), and for each command records
its words, the line it starts on, whether its failure is swallowed (``|| true``, ``--exit-zero``), and
whether its standard output reaches the job log (not piped, not redirected to a file, not captured by
``$(...)``; ``>&2`` still reaches the log). The recognisers look at what is executed (not at messages,
comments or file names) and the secret check looks at what is printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "in", "case", "esac",
            "!", "{", "}", "(", ")", "function", "time", "exec"}
WRAPPERS = {"sudo", "env", "command", "nohup", "xargs", "eval", "time", "exec", "timeout", "stdbuf", "nice"}
PRINTERS = {"echo", "printf", "cat", "tee", "print", "write-output", "write-host"}
#: Commands whose operands are paths or messages: a tool name among them is not that tool running.
OPERANDS_ARE_DATA = {"echo", "printf", "rm", "rmdir", "mkdir", "cp", "mv", "ls", "cd", "pushd", "popd", "chmod",
                     "chown", "touch", "ln", "find", "du", "test", "[", "[[", "cat", "tee", "export", "unset",
                     "readlink", "realpath", "basename", "dirname", "stat", "file", "wc", "head", "tail", "grep",
                     "sed", "awk", "cut", "sort", "uniq", "tr", "diff", "source", ".", "write-output", "write-host",
                     "set", "shift", "local", "declare", "read", "trap", "sleep", "wait", "true", ":", "false",
                     "exit", "return", "tar", "unzip", "zip", "jq", "yq", "base64", "sha256sum", "shasum",
                     "md5sum", "ssh-keyscan", "ssh-add", "mktemp", "date", "pwd", "whoami", "id", "uname"}
#: Package managers: `pip install bandit` installs a tool, it does not run it.
INSTALLERS = re.compile(
    r"^(?:(?:apt-get|apt|yum|dnf|microdnf|zypper|choco|brew|snap|conda|mamba|gem|cargo|go|pipx|npm|pnpm|yarn|"
    r"pip3?|python3?\s+-m\s+pip|uv\s+pip|uv\s+tool|apk)\s+(?:-\S+\s+)*(?:install|add|i|ci|upgrade|update|"
    r"dist-upgrade|purge|remove|uninstall|del|clean)\b)", re.IGNORECASE)
CANNOT_FAIL = re.compile(r"^\s*(true|:|exit\s+0|return\s+0|echo\b.*|printf\b.*|exit\s*$)\s*$")
SOFT_FLAGS = re.compile(r"(?<![\w-])(--exit-zero|--exit-code[= ]0\b|--no-fail\b|--issues-exit-code[= ]0\b|"
                        r"--exit-code-on-findings[= ]0\b|--fail-on[= ]none\b)")


@dataclass
class Command:
    text: str  # the simple command as written (continuations joined), without redirections' targets
    words: list[str]  # its words after leading keywords, assignments and wrappers
    line: int  # 0-based line of the script where it starts
    soft: bool = False  # its failure cannot fail the script (`|| true`, --exit-zero)
    fallback: str = ""  # the `|| ...` that swallows its failure
    output: str = "log"  # log | pipe | file | captured
    heredoc: str = ""  # body of a here-document fed to it
    herestring: str = ""  # `<<< word`
    pipe_to: list[str] = field(default_factory=list)  # names of the commands its output is piped into
    assignments: list[str] = field(default_factory=list)  # NAME=value words before the command

    @property
    def name(self) -> str:
        return self.words[0].rsplit("/", 1)[-1].lower() if self.words else ""

    @property
    def executed(self) -> str:
        """What runs, for the recognisers: the command and its operands, minus data-only operands."""
        if not self.words:
            return ""
        if self.name in OPERANDS_ARE_DATA or INSTALLERS.match(" ".join(self.words)):
            return self.words[0]
        return " ".join(self.words)

    @property
    def forms(self) -> list[str]:
        """``executed``, and the same with the program's directory dropped (`/usr/local/go/bin/go test`)."""
        text = self.executed
        if not text or "/" not in self.words[0] or self.words[0].startswith(("./", "../")):
            return [text] if text else []
        short = self.words[0].rsplit("/", 1)[-1]
        return [text, short + text[len(self.words[0]):]] if short else [text]


# --- tokenising -------------------------------------------------------------------------------------------

_OPS = ("&&", "||", ";;", ">>", "&>", "<<<", "<<-", "<<", ">&", "<&", "|&", ";", "|", "&", ">", "<", "\n")


def _scan(script: str) -> list[tuple[str, str, int]]:
    """Tokens (kind, text, line): kind is word or op. Quotes, ${...}, ${{ ... }}, $(...) and `...` stay inside
    one word; a `#` at a word start runs to the end of the line; ``\\`` + newline joins lines."""
    out: list[tuple[str, str, int]] = []
    i, n, line = 0, len(script), 0
    word, word_line = "", 0

    def flush() -> None:
        nonlocal word
        if word:
            out.append(("word", word, word_line))
            word = ""

    while i < n:
        c = script[i]
        if c == "\\" and i + 1 < n:
            if script[i + 1] == "\n":
                i += 2
                line += 1
                continue
            if not word:
                word_line = line
            word += script[i:i + 2]
            i += 2
            continue
        if c in "'\"`":
            end = _closing(script, i)
            if not word:
                word_line = line
            word += script[i:end]
            line += script.count("\n", i, end)
            i = end
            continue
        if c == "$" and i + 1 < n and script[i + 1] in "({":
            end = _closing(script, i + 1)
            if not word:
                word_line = line
            word += script[i:end]
            line += script.count("\n", i, end)
            i = end
            continue
        if c == "#" and not word:
            while i < n and script[i] != "\n":
                i += 1
            continue
        if c in " \t\r":
            flush()
            i += 1
            continue
        op = next((o for o in _OPS if script.startswith(o, i)), None)
        if op is not None:
            if op in (">", ">>", ">&", "<&") and word.isdigit():  # 2>file, 1>&2: the fd belongs to the redirection
                fd, word = word, ""
                out.append(("op", fd + op, line))
            else:
                flush()
                out.append(("op", op, line))
            if op == "\n":
                line += 1
            i += len(op)
            continue
        if not word:
            word_line = line
        word += c
        i += 1
    flush()
    return out


def _closing(s: str, i: int) -> int:
    """Index just after the construct opening at ``s[i]`` (a quote, backtick, ``(`` or ``{``)."""
    c, n = s[i], len(s)
    if c == "'":
        j = s.find("'", i + 1)
        return n if j < 0 else j + 1
    if c in '"`':
        j = i + 1
        while j < n:
            if s[j] == "\\":
                j += 2
                continue
            if s[j] == c:
                return j + 1
            if c == '"' and s[j] == "$" and j + 1 < n and s[j + 1] in "({":
                j = _closing(s, j + 1)
                continue
            j += 1
        return n
    pair = {"(": ")", "{": "}"}[c]
    depth, j = 0, i
    while j < n:
        ch = s[j]
        if ch in "'\"`" and j > i:
            j = _closing(s, j)
            continue
        if ch == "\\":
            j += 2
            continue
        if ch == c:
            depth += 1
        elif ch == pair:
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return n


def _heredocs(script: str) -> tuple[str, dict[int, str]]:
    """The script with here-document bodies blanked (lines kept), and each body by its command's line."""
    lines = script.split("\n")
    bodies: dict[int, str] = {}
    i = 0
    while i < len(lines):
        m = re.search(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1", lines[i])
        if m and "<<<" not in lines[i][max(0, m.start() - 1):m.start() + 3]:
            term, start = m.group(2), i
            body = []
            i += 1
            while i < len(lines) and lines[i].strip() != term:
                body.append(lines[i])
                lines[i] = ""
                i += 1
            if i < len(lines):
                lines[i] = ""
            bodies[start] = "\n".join(body)
        i += 1
    return "\n".join(lines), bodies


# --- commands ---------------------------------------------------------------------------------------------


def commands(script: str) -> list[Command]:
    """Every simple command of ``script``, including those inside ``$(...)`` and backticks (as captured)."""
    text, bodies = _heredocs(script)
    out: list[Command] = []
    _parse(_scan(text), out, bodies, captured=False)
    return out


def _parse(tokens: list[tuple[str, str, int]], out: list[Command], bodies: dict[int, str], captured: bool,
           line_base: int = 0) -> None:
    # split into lists of pipelines: [(pipeline, connector_after)]
    pipelines: list[tuple[list[list[tuple[str, str, int]]], str]] = []
    current: list[list[tuple[str, str, int]]] = [[]]
    for kind, tok, ln in tokens:
        if kind == "op" and tok in ("|", "|&"):
            current.append([])
        elif kind == "op" and tok in (";", "&&", "||", "&", "\n", ";;"):
            pipelines.append((current, tok))
            current = [[]]
        else:
            current[-1].append((kind, tok, ln))
    pipelines.append((current, ""))
    pipelines = [(p, c) for p, c in pipelines if any(seg for seg in p)]
    for idx, (pipeline, connector) in enumerate(pipelines):
        soft = False
        alt = ""
        if connector == "||" and idx + 1 < len(pipelines):
            alt = " ".join(t for seg in pipelines[idx + 1][0] for _, t, _ in seg)
            soft = bool(CANNOT_FAIL.match(alt))
        built = [_command(seg, bodies, line_base) for seg in pipeline]
        built = [c for c in built if c is not None]
        names = [c.name for c in built]
        for pos, cmd in enumerate(built):
            if captured:
                cmd.output = "captured"
            elif pos < len(built) - 1 and cmd.output == "log":
                cmd.output = "pipe"
                cmd.pipe_to = names[pos + 1:]
            if soft and not cmd.soft:
                cmd.fallback = f"|| {alt}"
            cmd.soft = cmd.soft or soft
            out.append(cmd)
            for word in cmd.words + cmd.assignments:  # $(...) and `...` run too, their output captured
                for inner in _substitutions(word):
                    _parse(_scan(inner), out, {}, captured=True, line_base=cmd.line)


def _substitutions(word: str) -> list[str]:
    found = []
    i = 0
    while i < len(word):
        if word.startswith("$(", i) and not word.startswith("$((", i):
            end = _closing(word, i + 1)
            found.append(word[i + 2:end - 1])
            i = end
        elif word[i] == "`":
            end = _closing(word, i)
            found.append(word[i + 1:end - 1])
            i = end
        elif word[i] == "'":
            i = _closing(word, i)
        else:
            i += 1
    return found


def _command(seg: list[tuple[str, str, int]], bodies: dict[int, str], line_base: int) -> Command | None:
    words: list[str] = []
    assignments: list[str] = []
    output = "log"
    herestring = heredoc = ""
    first_line = None
    i = 0
    while i < len(seg):
        kind, tok, ln = seg[i]
        if first_line is None:
            first_line = ln
        if kind == "op":
            target = seg[i + 1][1] if i + 1 < len(seg) and seg[i + 1][0] == "word" else ""
            if tok in (">", ">>", "1>", "1>>", "&>", "&>>"):
                if target not in ("/dev/stdout", "/dev/stderr", "/dev/tty"):
                    output = "file"
                i += 2
                continue
            if tok in (">&", "1>&"):  # >&2: stdout to stderr, still the log
                i += 2
                continue
            if tok == "<<<":
                herestring = target
                i += 2
                continue
            if tok in ("<<", "<<-"):
                heredoc = bodies.get(ln, "")
                i += 2
                continue
            i += 2 if tok[-1] in "<>&" else 1  # 2>file, <file, 2>&1: not about stdout
            continue
        if not words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", tok):
            assignments.append(tok)
        elif not words and tok in KEYWORDS or not words and tok.lower() in WRAPPERS:
            pass
        else:
            words.append(tok)
        i += 1
    if not words and not assignments:
        return None
    text = " ".join(w for _, w, _ in seg)
    cmd = Command(text, words, (first_line or 0) + line_base, output=output, heredoc=heredoc,
                  herestring=herestring, assignments=assignments)
    cmd.soft = bool(SOFT_FLAGS.search(" ".join(words)))
    return cmd


def executed_text(script: str) -> str:
    """One line per command that runs: what the tool recognisers should look at."""
    return "\n".join(c.executed for c in commands(script) if c.executed)


# --- what a command prints --------------------------------------------------------------------------------


def printed(cmd: Command) -> str:
    """The text a command writes to the job log ('' when it writes nothing there): the arguments of
    echo/printf/print, the files `cat` prints, a here-document or here-string it passes on."""
    if cmd.output != "log" and not (cmd.output == "pipe" and cmd.pipe_to and all(
            p in ("tee", "cat") for p in cmd.pipe_to)):
        return ""
    name = cmd.name
    if name in ("echo", "printf", "print", "write-output", "write-host"):
        return " ".join(cmd.words[1:])
    if name == "cat":
        parts = [w for w in cmd.words[1:] if not w.startswith("-")]
        return " ".join(parts) + ("\n" + cmd.heredoc if cmd.heredoc else "") + (" " + cmd.herestring)
    if name == "tee":
        return cmd.heredoc + " " + cmd.herestring
    return ""
