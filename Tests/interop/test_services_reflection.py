"""Server reflection as stock clients use it: grpcio-reflection's ProtoReflectionDescriptorDatabase
(grpc.reflection.v1alpha, like grpcurl's fallback) against a running ranker and our interop server,
and `kgrec call` preferring a server's reflected schema."""
import subprocess

import grpc
from google.protobuf import descriptor_pool, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase


def reflected_pool(address):
    channel = grpc.insecure_channel(address)
    db = ProtoReflectionDescriptorDatabase(channel)
    return channel, db, descriptor_pool.DescriptorPool(db)


def test_a_stock_reflection_client_lists_the_rankers_services_and_calls_recommend(topology):
    ranker = next(s for s in topology["services"] if s["role"] == "ranker")["grpc"]
    channel, db, pool = reflected_pool(ranker)
    with channel:
        assert sorted(db.get_services()) == ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                                             "grpc.reflection.v1alpha.ServerReflection", "kgrec.v1.Ranker"]
        # Only descriptors obtained by reflection: no generated stubs in this test.
        method = pool.FindServiceByName("kgrec.v1.Ranker").methods_by_name["Recommend"]
        request_class = message_factory.GetMessageClass(method.input_type)
        response_class = message_factory.GetMessageClass(method.output_type)
        recommend = channel.unary_unary("/kgrec.v1.Ranker/Recommend", request_serializer=request_class.SerializeToString,
                                        response_deserializer=response_class.FromString)
        reply = recommend(request_class(user_id=topology["users"][0], k=5), timeout=30)
        assert len(reply.items) == 5
        assert all(item.item_id for item in reply.items)
        assert [i.score for i in reply.items] == sorted((i.score for i in reply.items), reverse=True)
        # The imported file came along: the reply's nested message types resolved.
        assert pool.FindMessageTypeByName("kgrec.v1.ScoredItem").fields_by_name["score"].number == 2


def test_unknown_symbols_are_not_found_and_the_stream_keeps_working(swift_server):
    channel, db, pool = reflected_pool(swift_server)
    with channel:
        try:
            pool.FindServiceByName("kgrec.v1.Nope")
            raise AssertionError("an unknown symbol resolved")
        except KeyError as e:
            assert "kgrec.v1.Nope" in str(e)
        assert "grpc.testing.TestService" in db.get_services()
        unary = pool.FindMethodByName("grpc.testing.TestService.UnaryCall")
        assert unary.input_type.full_name == "grpc.testing.SimpleRequest"
        assert db.FindAllExtensionNumbers("grpc.testing.SimpleRequest") == []


def test_kgrec_call_lists_a_servers_services_by_reflection(kgrec, swift_server):
    r = subprocess.run([kgrec, "call", swift_server, "--list"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    listed = [line for line in r.stdout.splitlines() if not line.startswith(" ")]
    assert listed == ["grpc.testing.TestService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                      "grpc.reflection.v1alpha.ServerReflection"]
    # The built-in schema (no target) has the kgrec services, which this server does not serve.
    builtin = subprocess.run([kgrec, "call", "--list"], capture_output=True, text=True, timeout=30).stdout
    assert "kgrec.v1.Ranker/Recommend" in builtin and "kgrec.v1.Ranker" not in r.stdout


def test_kgrec_call_falls_back_to_its_built_in_schema_without_reflection(kgrec, tmp_path):
    proc = subprocess.Popen([kgrec, "interop-server", "--host", "127.0.0.1", "--port", "0", "--reflection", "false"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    from conftest import read_listen_line, stop
    try:
        address = read_listen_line(proc)
        channel, db, _ = reflected_pool(address)
        with channel:
            try:
                db.get_services()
                raise AssertionError("reflection answered although turned off")
            except grpc.RpcError as e:
                assert e.code() == grpc.StatusCode.UNIMPLEMENTED
        r = subprocess.run([kgrec, "call", address, "grpc.health.v1.Health/Check", "--require-serving"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines() == ['{"status":"SERVING"}']
        listed = subprocess.run([kgrec, "call", address, "--list"], capture_output=True, text=True, timeout=30)
        assert listed.returncode == 0 and "offers no server reflection" in listed.stderr
        assert "kgrec.v1.Ranker/Recommend" in listed.stdout
    finally:
        stop(proc)
