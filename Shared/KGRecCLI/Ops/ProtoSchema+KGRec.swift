/// The wire contract as `.proto` text, comments stripped: `Protos/grpc/health/v1/health.proto`
/// and `Protos/kgrec/v1/*.proto`. Embedded so `kgrec call` works in a container without the
/// sources; `DeployCallCodecTests` fails when this drifts from `Protos/`.
extension ProtoSchema {
    static let kgrecFiles: [(String, String)] = [
        ("grpc/health/v1/health.proto", """
        syntax = "proto3";
        package grpc.health.v1;
        message HealthCheckRequest { string service = 1; }
        message HealthCheckResponse {
          enum ServingStatus {
            UNKNOWN = 0;
            SERVING = 1;
            NOT_SERVING = 2;
            SERVICE_UNKNOWN = 3;
          }
          ServingStatus status = 1;
        }
        service Health {
          rpc Check(HealthCheckRequest) returns (HealthCheckResponse);
          rpc Watch(HealthCheckRequest) returns (stream HealthCheckResponse);
        }
        """),
        ("kgrec/v1/common.proto", """
        syntax = "proto3";
        package kgrec.v1;
        message Vector { repeated float values = 1; }
        message ModalityVectors {
          Vector visual = 1;
          Vector text = 2;
        }
        enum EntityKind {
          ENTITY_KIND_UNSPECIFIED = 0;
          ENTITY_KIND_USER = 1;
          ENTITY_KIND_ITEM = 2;
          ENTITY_KIND_ATTRIBUTE = 3;
        }
        message Embedding {
          string id = 1;
          ModalityVectors vectors = 2;
        }
        message RequestError {
          int32 code = 1;
          string message = 2;
        }
        """),
        ("kgrec/v1/encoder.proto", """
        syntax = "proto3";
        package kgrec.v1;
        import "kgrec/v1/common.proto";
        service Encoder {
          rpc Encode(EncodeRequest) returns (EncodeResponse);
          rpc EncodeStream(stream EncodeRequest) returns (stream EncodeResponse);
        }
        message EncodeItem {
          int64 entity = 1;
          ModalityVectors raw = 2;
          repeated int64 neighbours = 3;
          bytes raw_text = 4;
        }
        message EncodeRequest {
          repeated EncodeItem items = 1;
          uint64 request_id = 2;
        }
        message EncodeResponse {
          repeated ModalityVectors fused = 1;
          uint64 request_id = 2;
          string model_version = 3;
        }
        """),
        ("kgrec/v1/graph.proto", """
        syntax = "proto3";
        package kgrec.v1;
        import "kgrec/v1/common.proto";
        service Graph {
          rpc GetEmbeddings(GetEmbeddingsRequest) returns (GetEmbeddingsResponse);
          rpc ExportEmbeddings(ExportEmbeddingsRequest) returns (stream EmbeddingBatch);
          rpc Neighbors(NeighborsRequest) returns (NeighborsResponse);
          rpc AddInteractions(AddInteractionsRequest) returns (AddInteractionsResponse);
        }
        message GetEmbeddingsRequest {
          repeated string user_ids = 1;
          repeated string item_ids = 2;
        }
        message GetEmbeddingsResponse {
          uint64 version = 1;
          repeated Embedding users = 2;
          repeated Embedding items = 3;
          repeated string unknown_user_ids = 4;
          repeated string unknown_item_ids = 5;
        }
        message ExportEmbeddingsRequest {
          uint32 batch_size = 1;
          bool include_users = 2;
          bool include_items = 3;
        }
        message EmbeddingBatch {
          uint64 version = 1;
          repeated Embedding users = 2;
          repeated Embedding items = 3;
          repeated SeenItems seen = 4;
        }
        message SeenItems { repeated string item_ids = 1; }
        message NeighborsRequest {
          string entity_id = 1;
          EntityKind kind = 2;
          uint32 limit = 3;
        }
        message Neighbor {
          string entity_id = 1;
          EntityKind kind = 2;
          string relation = 3;
          float attention = 4;
        }
        message NeighborsResponse {
          repeated Neighbor neighbors = 1;
          uint64 version = 2;
        }
        message Interaction {
          string user_id = 1;
          string item_id = 2;
          int64 timestamp = 3;
        }
        message KGLink {
          string relation = 1;
          string entity_id = 2;
        }
        message NewItem {
          string item_id = 1;
          ModalityVectors raw = 2;
          repeated KGLink links = 3;
          bytes raw_text = 4;
        }
        message AddInteractionsRequest {
          repeated NewItem new_items = 1;
          repeated Interaction interactions = 2;
        }
        message AddInteractionsResponse {
          uint64 version = 1;
          uint32 accepted_interactions = 2;
          uint32 accepted_items = 3;
        }
        """),
        ("kgrec/v1/ranker.proto", """
        syntax = "proto3";
        package kgrec.v1;
        import "kgrec/v1/common.proto";
        service Ranker {
          rpc Score(ScoreRequest) returns (ScoreResponse);
          rpc Recommend(RecommendRequest) returns (RecommendResponse);
          rpc ScoreStream(stream ScoreRequest) returns (stream ScoreResponse);
        }
        message ScoreRequest {
          string user_id = 1;
          repeated string item_ids = 2;
          bool explain = 3;
          uint64 request_id = 4;
        }
        message ScoredItem {
          string item_id = 1;
          float score = 2;
          float visual_score = 3;
          float text_score = 4;
        }
        message ScoreResponse {
          repeated ScoredItem items = 1;
          uint64 graph_version = 2;
          uint64 request_id = 3;
          repeated string unknown_item_ids = 4;
          RequestError error = 5;
        }
        message RecommendRequest {
          string user_id = 1;
          uint32 k = 2;
          bool explain = 3;
          bool include_seen = 4;
        }
        message RecommendResponse {
          repeated ScoredItem items = 1;
          uint64 graph_version = 2;
        }
        """),
    ]

    /// The parsed contract (health + kgrec.v1).
    static let kgrec: ProtoSchema = {
        do { return try ProtoSchema(files: kgrecFiles) } catch { fatalError("embedded protos: \(error)") }
    }()
}
