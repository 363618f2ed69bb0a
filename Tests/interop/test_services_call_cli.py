"""`kgrec call` and `kgrec load` as processes, against our interop server (health + TestService):
output format, exit codes and status lines as a shell user sees them."""
import json
import subprocess


def call(kgrec, *args, stdin=None):
    return subprocess.run([kgrec, "call", *args], input=stdin, capture_output=True, text=True, timeout=30)


def test_unary_reply_prints_one_json_line_and_exits_0(kgrec, swift_server):
    r = call(kgrec, swift_server, "grpc.health.v1.Health/Check", '{"service":"grpc.testing.TestService"}', "--require-serving")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ['{"status":"SERVING"}']


def test_non_ok_status_prints_error_code_and_message_and_exits_1(kgrec, swift_server):
    r = call(kgrec, swift_server, "grpc.health.v1.Health/Check", "-f", "service=nope")
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.strip() == "ERROR: NOT_FOUND: unknown service 'nope'"
    r = call(kgrec, swift_server, "kgrec.v1.Ranker/Recommend", '{"user_id":"u1","k":5}')
    assert r.returncode == 1 and r.stderr.startswith("ERROR: UNIMPLEMENTED: ")


def test_server_stream_prints_each_message_then_the_deadline_status(kgrec, swift_server):
    r = call(kgrec, swift_server, "grpc.health.v1.Health/Watch", "--timeout", "500ms")
    assert r.returncode == 1
    assert r.stdout.splitlines() == ['{"status":"SERVING"}']
    assert r.stderr.startswith("ERROR: DEADLINE_EXCEEDED")


def test_bad_input_is_named(kgrec, swift_server):
    r = call(kgrec, swift_server, "grpc.health.v1.Health/Check", '{"servic":"x"}')
    assert r.returncode == 1 and "unknown field 'servic'" in r.stderr
    r = call(kgrec, swift_server, "grpc.health.v1.Health/Check", '{"service":')
    assert r.returncode == 2 and "line 1" in r.stderr
    r = call(kgrec, swift_server, "kgrec.v1.Nope/Nope")
    assert r.returncode == 2 and "unknown method" in r.stderr
    r = call(kgrec, "no-port", "grpc.health.v1.Health/Check")
    assert r.returncode == 2


def test_list_names_every_kgrec_method_with_its_shape(kgrec):
    r = subprocess.run([kgrec, "call", "--list"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0
    for line in ("kgrec.v1.Ranker/ScoreStream (bidi)", "kgrec.v1.Graph/ExportEmbeddings (server-streaming)",
                 "kgrec.v1.Encoder/Encode:", "grpc.health.v1.Health/Check:"):
        assert line in r.stdout


def test_load_reports_requests_and_latency_as_json(kgrec, swift_server):
    r = subprocess.run([kgrec, "load", "--target", swift_server, "--method", "health", "--requests", "200",
                        "--concurrency", "4", "--json"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["requests"] == 200 and report["ok"] == 200 and report["errors"] == {}
    lat = report["latency"]
    assert 0 < lat["p50_ms"] <= lat["p90_ms"] <= lat["p99_ms"] <= lat["p99_9_ms"] <= lat["max_ms"]


def test_load_counts_errors_by_status(kgrec, swift_server):
    r = subprocess.run([kgrec, "load", "--target", swift_server, "--method", "recommend", "--ids-from", swift_server,
                        "--requests", "5"], capture_output=True, text=True, timeout=60)
    # The interop server has no Graph: the id source fails with a named status.
    assert r.returncode == 1 and "UNIMPLEMENTED" in r.stderr


def test_stdin_lines_stream_on_a_client_stream_and_a_bad_line_exits_1(kgrec, swift_server):
    # The interop server's bidi FullDuplexCall (schema by reflection) answers the first line while
    # the stream stays open; the non-JSON second line is reported with its number and ends the call.
    r = call(kgrec, swift_server, "grpc.testing.TestService/FullDuplexCall",
             stdin='{"response_parameters":[{"size":3}]}\nnot json\n')
    assert r.returncode == 1
    assert r.stdout.splitlines() == ['{"payload":{"body":"AAAA"}}']
    assert "stdin line 2" in r.stderr


def test_field_flags_build_the_request_and_repeat_for_lists(kgrec):
    # No server needed: an unreachable target fails after the request was built (UNAVAILABLE),
    # while a bad field fails before (a named codec error).
    r = call(kgrec, "127.0.0.1:1", "kgrec.v1.Ranker/Score", "-f", "user_id=u1", "-f", "item_ids=i3", "--timeout", "2s")
    assert r.returncode == 1 and r.stderr.startswith("ERROR: UNAVAILABLE"), r.stderr
    r = call(kgrec, "127.0.0.1:1", "kgrec.v1.Ranker/Score", "-f", "user=u1", "--timeout", "2s")
    assert r.returncode == 1 and "unknown field 'user'" in r.stderr
