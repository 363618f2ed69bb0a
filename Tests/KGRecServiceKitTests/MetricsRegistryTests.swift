import GRPCCore
import Testing
@testable import KGRecServiceKit

@Suite struct MetricsRegistryTests {
    @Test func rendersHelpTypeAndLabelledSamplesInTextFormat() {
        let r = MetricsRegistry()
        let requests = r.counterFamily("kgrec_rpc_requests_total", help: "Finished RPCs.", labels: ["method", "code"])
        requests.labels("/a.B/C", "OK").increment(by: 3)
        requests.labels("/a.B/C", "UNAVAILABLE").increment()
        r.gauge("kgrec_graph_table_version", help: "Version.").set(7)
        #expect(r.render() == """
            # HELP kgrec_rpc_requests_total Finished RPCs.
            # TYPE kgrec_rpc_requests_total counter
            kgrec_rpc_requests_total{method="/a.B/C",code="OK"} 3
            kgrec_rpc_requests_total{method="/a.B/C",code="UNAVAILABLE"} 1
            # HELP kgrec_graph_table_version Version.
            # TYPE kgrec_graph_table_version gauge
            kgrec_graph_table_version 7

            """)
    }

    @Test func histogramsRenderCumulativeBucketsSumAndCount() {
        let r = MetricsRegistry()
        let h = r.histogramFamily("lat_seconds", help: "Latency.", labels: ["method"], buckets: [0.001, 0.01, 0.1])
            .labels("m")
        for v in [0.0005, 0.001, 0.005, 0.05, 3.0] { h.observe(v) }
        #expect(r.render() == """
            # HELP lat_seconds Latency.
            # TYPE lat_seconds histogram
            lat_seconds_bucket{method="m",le="0.001"} 2
            lat_seconds_bucket{method="m",le="0.01"} 3
            lat_seconds_bucket{method="m",le="0.1"} 4
            lat_seconds_bucket{method="m",le="+Inf"} 5
            lat_seconds_sum{method="m"} 3.0565
            lat_seconds_count{method="m"} 5

            """)
    }

    @Test func labelValuesAndHelpAreEscaped() {
        let r = MetricsRegistry()
        r.counterFamily("x_total", help: "a\\b\nc", labels: ["v"]).labels("q\"\\\n").increment()
        let text = r.render()
        #expect(text.contains("# HELP x_total a\\\\b\\nc\n"))
        #expect(text.contains(#"x_total{v="q\"\\\n"} 1"#))
    }

    @Test func registeringTheSameNameTwiceReturnsTheSameFamily() {
        let r = MetricsRegistry()
        r.counter("hits_total", help: "h").increment()
        r.counter("hits_total", help: "h").increment()
        #expect(r.counter("hits_total", help: "h").value == 2)
        #expect(r.render().components(separatedBy: "# TYPE hits_total").count == 2)
    }

    @Test func collectorsRunBeforeEachRender() {
        let r = MetricsRegistry()
        let g = r.gauge("sampled", help: "s")
        let c = Counter()
        r.addCollector { c.increment(); g.set(Double(c.value)) }
        _ = r.render()
        #expect(r.render().contains("sampled 2\n"))
    }

    @Test func concurrentUpdatesAreNotLost() async {
        let r = MetricsRegistry()
        let rpc = RPCMetrics(registry: r)
        let m = rpc.method(MethodDescriptor(service: "kgrec.v1.Ranker", method: "Score"), type: .unary)
        let g = r.gauge("level", help: "l")
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask {
                    for i in 0..<5000 {
                        m.record(code: i % 10 == 0 ? .unavailable : .ok, seconds: 0.002)
                        g.add(t % 2 == 0 ? 1 : -1)
                    }
                }
            }
        }
        #expect(m.counter(.ok).value == 18000)
        #expect(m.counter(.unavailable).value == 2000)
        #expect(m.latency.count == 20000)
        #expect(abs(m.latency.sum - 40) < 1e-6)
        #expect(g.value == 0)
        let text = r.render()
        #expect(text.contains(#"grpc_server_handled_total{grpc_code="Unavailable",grpc_method="Score",grpc_service="kgrec.v1.Ranker",grpc_type="unary"} 2000"#))
        #expect(text.contains(#"grpc_server_handling_seconds_bucket{grpc_method="Score",grpc_service="kgrec.v1.Ranker",grpc_type="unary",le="0.0025"} 20000"#))
    }

    @Test func standardServiceMetricsUseTheDocumentedNames() {
        let metrics = ServiceMetrics()
        metrics.cacheHits.increment()
        _ = metrics.rpc.method(MethodDescriptor(service: "kgrec.v1.Graph", method: "GetEmbeddings"), type: .unary)
        let text = metrics.registry.render()
        for name in [MetricNames.grpcServerStarted, MetricNames.grpcServerHandled, MetricNames.grpcServerHandlingSeconds,
                     MetricNames.cacheHits, MetricNames.cacheMisses,
                     MetricNames.graphTableVersion, MetricNames.residentMemory, MetricNames.openFDs,
                     MetricNames.startTime, MetricNames.uptime] {
            #expect(text.contains("# TYPE \(name) "), "missing \(name)")
        }
        #expect(text.contains(#"grpc_server_handled_total{grpc_code="OK",grpc_method="GetEmbeddings",grpc_service="kgrec.v1.Graph",grpc_type="unary"} 0"#))
    }

    @Test func sampleValuesUseThePrometheusSpellings() {
        #expect(PrometheusText.value(3) == "3")
        #expect(PrometheusText.value(0.25) == "0.25")
        #expect(PrometheusText.value(.infinity) == "+Inf")
        #expect(PrometheusText.value(-.infinity) == "-Inf")
        #expect(PrometheusText.value(.nan) == "NaN")
    }
}
