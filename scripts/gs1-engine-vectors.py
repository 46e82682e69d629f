#!/usr/bin/env python3
"""Writes tests/data/gs1-engine-vectors.tsv: the literal test vectors of GS1's syntax engine
(github.com/gs1/gs1-syntax-engine, Apache-2.0) that apply to Lotline, as data (no engine code).

    scripts/gs1-engine-vectors.py /path/to/gs1-syntax-engine/src/c-lib > tests/data/gs1-engine-vectors.tsv

Kinds (one per line, fields tab-separated, C escapes decoded then written with \\\\ \\t \\xNN):
  lint  NAME  DATA  pass|fail            a linter alone (syntax/lint_NAME.c)
  dl    URI   ok|fail  ^ELEMENTS         gs1_parseDLuri (dl.c), default options only
  bracketed  DATA  ok|fail  ^ELEMENTS    gs1_parseAIdata (ai.c)
  scan  DATA  ok|fail  DATASTR           gs1_processScanData (scandata.c)
Vectors under a non-default option (convenience alphas, zero-suppressed GTINs, unknown AIs, a
custom GCP lookup) are left out.
"""
import re, sys, os

def c_string(s, i):
    """Parses adjacent C string literals from s[i] == '"'; returns (bytes, next index)."""
    out = bytearray()
    while True:
        while i < len(s) and s[i] in ' \t\r\n':
            i += 1
        if i >= len(s) or s[i] != '"':
            return bytes(out), i
        i += 1
        while s[i] != '"':
            c = s[i]
            if c == '\\':
                n = s[i + 1]
                if n == 'x':
                    m = re.match(r'[0-9A-Fa-f]{1,2}', s[i + 2:])
                    out.append(int(m.group(0), 16)); i += 2 + len(m.group(0)); continue
                if n in '01234567':
                    m = re.match(r'[0-7]{1,3}', s[i + 1:])
                    out.append(int(m.group(0), 8)); i += 1 + len(m.group(0)); continue
                simple = {'n': b'\n', 't': b'\t', 'r': b'\r', '\\': b'\\', '"': b'"', "'": b"'", '?': b'?'}
                out += simple[n]
                i += 2
                continue
            out += c.encode()
            i += 1
        i += 1

def args(s, i):
    """Arguments of a call whose '(' is at s[i]: strings as bytes, others as stripped text."""
    out, depth, i = [], 0, i + 1
    cur = ''
    while True:
        while s[i] in ' \t\r\n':
            i += 1
        if s[i] == '"':
            b, i = c_string(s, i)
            out.append(b)
            while s[i] in ' \t\r\n':
                i += 1
        else:
            j = i
            while not (depth == 0 and s[i] in ',)'):
                if s[i] == '(':
                    depth += 1
                elif s[i] == ')':
                    depth -= 1
                i += 1
            out.append(s[j:i].strip())
        if s[i] == ')':
            return out
        i += 1

def strip_comments(s):
    """Blanks C comments, leaving string and character literals alone."""
    out, i, n = [], 0, len(s)
    while i < n:
        if s[i] in '"\'':
            q, j = s[i], i + 1
            while s[j] != q:
                j += 2 if s[j] == '\\' else 1
            out.append(s[i:j + 1]); i = j + 1
        elif s.startswith('/*', i):
            j = s.index('*/', i + 2) + 2
            out.append(' ' * (j - i)); i = j
        elif s.startswith('//', i):
            j = s.find('\n', i)
            j = n if j < 0 else j
            i = j
        else:
            out.append(s[i]); i += 1
    return ''.join(out)

def drop_ifdef(s, macro):
    return re.sub(r'#ifdef ' + macro + r'.*?#endif', '', s, flags=re.S)

def esc(b):
    out = ''
    for c in b:
        ch = chr(c)
        if ch == '\\': out += '\\\\'
        elif ch == '\t': out += '\\t'
        elif c < 0x20 or c > 0x7e: out += '\\x%02x' % c
        else: out += ch
    return out

def calls(s, name):
    for m in re.finditer(r'\b' + name + r'\s*\(', s):
        yield m.start(), args(s, m.end() - 1)

def main(src):
    rows = []
    syn = os.path.join(src, 'syntax')
    for f in sorted(os.listdir(syn)):
        if not f.startswith('lint_') or f == 'lint__stubs.c':
            continue
        text = drop_ifdef(strip_comments(open(os.path.join(syn, f)).read()), 'GS1_LINTER_CUSTOM_GCP_LOOKUP')
        text = text[text.find('#ifdef UNIT_TESTS'):]
        for kind in ('UNIT_TEST_PASS', 'UNIT_TEST_FAIL'):
            for _, a in calls(text, kind):
                if isinstance(a[1], bytes) and a[0].startswith('gs1_lint_'):
                    rows.append(('lint', a[0][9:], esc(a[1]), 'pass' if kind.endswith('PASS') else 'fail'))
    dl = strip_comments(open(os.path.join(src, 'dl.c')).read())
    start = dl.find('void test_dl_parseDLuri(void)')
    body = dl[start:dl.find('\n}\n', start)]
    # Leave out what runs under non-default options: convenience alphas, unknown AIs.
    body = re.sub(r'ctx->permitConvenienceAlphas = true;.*?ctx->permitConvenienceAlphas = false;', '', body, flags=re.S)
    body = re.sub(r'setPermitZeroSuppressedGTINinDLuris\(ctx, true\);.*?setPermitZeroSuppressedGTINinDLuris\(ctx, false\);', '', body, flags=re.S)
    cut = body.find('gs1_encoder_setPermitUnknownAIs(ctx, true)')
    body = body[:cut] if cut >= 0 else body
    for _, a in calls(body, 'test_parseDLuri'):
        if len(a) == 3 and isinstance(a[1], bytes):
            rows.append(('dl', esc(a[1]), 'ok' if a[0] == 'true' else 'fail', esc(a[2])))
    ai = strip_comments(open(os.path.join(src, 'ai.c')).read())
    start = ai.find('void test_ai_parseAIdata(void)')
    body = ai[start:ai.find('\n}\n', start)]
    cut = body.find('permitUnknownAIs')
    body = body[:cut] if cut >= 0 else body
    for _, a in calls(body, 'test_parseAIdata'):
        if len(a) == 3 and isinstance(a[1], bytes):
            rows.append(('bracketed', esc(a[1]), 'ok' if a[0] == 'true' else 'fail', esc(a[2])))
    sd = strip_comments(open(os.path.join(src, 'scandata.c')).read())
    start = sd.find('void test_scandata_processScanData(void)')
    body = sd[start:sd.find('\n}\n', start)]
    cut = body.find('permitUnknownAIs')
    body = body[:cut] if cut >= 0 else body
    for _, a in calls(body, 'test_testProcessScanData'):
        if len(a) == 4 and isinstance(a[1], bytes):
            rows.append(('scan', esc(a[1]), 'ok' if a[0] == 'true' else 'fail', esc(a[3])))
    print('# Literal test vectors of GS1\'s syntax engine (github.com/gs1/gs1-syntax-engine,')
    print('# Apache-2.0, (c) GS1 AISBL), as data; written by scripts/gs1-engine-vectors.py.')
    for r in rows:
        print('\t'.join(r))

main(sys.argv[1])
