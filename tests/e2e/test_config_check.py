"""`mcplb check -c FILE`: every config error as `file:line:col: message` on stderr, exit 2."""

import re
import subprocess
import unittest

import harness as h

BASE = """\
listen:
  - address: "127.0.0.1:0"
workers: 2
client:
  max_header_bytes: 16k
  max_body_bytes: 64m
  header_timeout: 2s
  idle_timeout: 75s
shutdown_timeout: 5s
pools:
  mcp:
    policy: round_robin
    backends:
      - name: b1
        address: "127.0.0.1:3001"
      - name: b2
        address: "127.0.0.1:3002"
    keepalive:
      max_idle: 64
      max_requests: 1000
      idle_timeout: 60s
    timeouts:
      connect: 2s
      read: 5s
      idle_stream: 300s
""".splitlines()


def with_lines(**repl):
    """BASE with 1-based line numbers replaced: with_lines(l3="workers: x")."""
    lines = list(BASE)
    for k, v in repl.items():
        lines[int(k[1:]) - 1] = v
    return "\n".join(lines) + "\n"


class ConfigCheck(h.E2ETestCase):
    def check(self, text, name="c.yaml"):
        path = self.write_file(name, text)
        r = subprocess.run([h.mcplb_bin(), "check", "-c", path], capture_output=True, timeout=30)
        out, err = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
        return path, r.returncode, out, err

    def errors(self, path, stderr):
        """[(line, col, message)] for every `path:line:col: message` line on stderr."""
        rx = re.compile(rf"^{re.escape(path)}:(\d+):(\d+): (.+)$")
        out = []
        for ln in stderr.splitlines():
            m = rx.match(ln)
            if m:
                out.append((int(m.group(1)), int(m.group(2)), m.group(3)))
        return out

    def assert_error_at(self, text, line, cols, words=()):
        """Exit 2, and an error line at `line` (col in `cols`) whose message has all `words`."""
        path, rc, out, err = self.check(text)
        self.assertEqual(rc, 2, f"exit {rc}; stderr:\n{err}\nstdout:\n{out}")
        errs = self.errors(path, err)
        self.assertTrue(errs, f"no `{path}:line:col: message` line on stderr:\n{err}")
        at = [e for e in errs if e[0] == line]
        self.assertTrue(at, f"no error on line {line}; got {errs}")
        self.assertTrue(any(e[1] in cols for e in at), f"line {line}: col not in {cols}: {at}")
        for w in words:
            self.assertTrue(any(w.lower() in e[2].lower() for e in at),
                            f"line {line}: no message mentions {w!r}: {at}")
        return errs

    def test_good_file_exit_0(self):
        path, rc, out, err = self.check("\n".join(BASE) + "\n")
        self.assertEqual(rc, 0, f"stderr:\n{err}")
        self.assertEqual(self.errors(path, err), [])

    def test_good_flow_style_file_exit_0(self):
        text = h.config_yaml([("b1", 3001), ("b2", 3002)], workers=2)
        path, rc, out, err = self.check(text)
        self.assertEqual(rc, 0, f"config:\n{text}\nstderr:\n{err}")

    def test_unknown_top_level_key_did_you_mean(self):
        self.assert_error_at(with_lines(l9="shutdown_timout: 5s"), 9, {1},
                             ["shutdown_timout", "shutdown_timeout"])

    def test_unknown_nested_key_did_you_mean(self):
        self.assert_error_at(with_lines(l12="    polcy: round_robin"), 12, {5}, ["policy"])

    def test_unknown_key_in_list_item(self):
        self.assert_error_at(with_lines(l15='        adress: "127.0.0.1:3001"'), 15, {9},
                             ["address"])

    def test_bad_duration(self):
        self.assert_error_at(with_lines(l7="  header_timeout: 2 fortnights"), 7, {3, 19})

    def test_bad_duration_unit(self):
        self.assert_error_at(with_lines(l24="      read: 10xs"), 24, {7, 13})

    def test_bad_address_port_out_of_range(self):
        self.assert_error_at(with_lines(l15='        address: "127.0.0.1:99999"'), 15, {9, 18, 19})

    def test_bad_address_not_an_ip(self):
        self.assert_error_at(with_lines(l2='  - address: "not an address"'), 2, {5, 14, 15})

    def test_wrong_type_list_for_scalar(self):
        self.assert_error_at(with_lines(l3="workers: [1, 2]"), 3, {1, 10})

    def test_wrong_type_scalar_for_map(self):
        self.assert_error_at(with_lines(l18="    keepalive: 64", l19="    #", l20="    #",
                                        l21="    #"), 18, {5, 16})

    def test_wrong_type_word_for_number(self):
        self.assert_error_at(with_lines(l19="      max_idle: lots"), 19, {7, 17})

    def test_every_error_is_reported(self):
        text = with_lines(l3="workrs: 2", l23="      connect: soon", l17='        address: "1.2.3"')
        path, rc, out, err = self.check(text)
        self.assertEqual(rc, 2, err)
        lines = {e[0] for e in self.errors(path, err)}
        for ln in (3, 17, 23):
            self.assertIn(ln, lines, f"error on line {ln} not reported; stderr:\n{err}")

    def test_yaml_syntax_error(self):
        text = with_lines(l12="    policy: [round_robin")
        path, rc, out, err = self.check(text)
        self.assertEqual(rc, 2, err)
        errs = self.errors(path, err)
        self.assertTrue(errs, f"no file:line:col line for a YAML syntax error:\n{err}")
        self.assertTrue(all(12 <= e[0] <= len(BASE) + 1 for e in errs), errs)

    def test_missing_file(self):
        r = subprocess.run([h.mcplb_bin(), "check", "-c", self.tmp + "/does-not-exist.yaml"],
                           capture_output=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"does-not-exist.yaml", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
