import CLVCore
import CLVData
import CLVModels
import CLVPipeline

// The schemas of the API's request bodies and responses, one per type, beside nothing else: each extension names
// every property its type encodes or decodes (SchemaTests checks them against real responses and decodes).

// MARK: - Requests

extension ModelRunRoutes.FitRequest: APISchema {
    static let schema = Schema.request(
        [
            "model": ["type": "string", "enum": .array(ModelKind.probabilistic.map { .string($0.rawValue) })], "end": Schema.date,
            "unit": Schema.oneOf(TimeUnit.self),
            "penalizer": ["type": "number", "minimum": 0],
        ], required: ["model"])
}

extension EventRoutes.OrderEvent: APISchema {
    static let schema = Schema.request(
        [
            "type": ["type": "string", "enum": ["order"]],
            "order_id": EventRoutes.identifierSchema, "customer_id": EventRoutes.identifierSchema,
            "timestamp": ["type": "string", "pattern": .string(EventRoutes.timestampPattern), "description": "ISO 8601 date or date-time, years 1900 to 2200"],
            "amount": [
                "type": "number", "minimum": -1e12, "maximum": 1e12, "description": "Order total when no lines are given; negative for a return",
            ],
            "country": Schema.string,
            "lines": [
                "type": "array", "minItems": 1, "maxItems": 1000,
                "items": Schema.request(
                    [
                        "product_id": Schema.string, "title": Schema.string, "quantity": ["type": "number", "minimum": -1e9, "maximum": 1e9],
                        "unit_price": ["type": "number", "minimum": 0, "maximum": 1e9],
                    ], required: ["quantity", "unit_price"]),
            ],
        ], required: ["order_id", "customer_id", "timestamp"], exactlyOne: ["lines", "amount"])
}

extension Consent: APISchema {
    static let schema = Schema.request(["marketing": Schema.boolean, "profiling": Schema.boolean], required: ["marketing", "profiling"])
}

extension LanguageRoutes.EmbeddingRequest: APISchema {
    static let schema = Schema.request(
        [
            "input": ["oneOf": [Schema.string, ["type": "array", "items": Schema.string, "minItems": 1, "maxItems": 256]]],
            "model": ["type": "string", "enum": ["all-MiniLM-L6-v2", "minilm", "text-embedding-local", "multilingual-e5-small", "e5-small"]],
            "encoding_format": Schema.oneOf(LanguageRoutes.EmbeddingRequest.EncodingFormat.self),
            "dimensions": ["type": "integer", "enum": [384]], "user": Schema.string,
        ], required: ["input"], open: true)
}

extension LanguageRoutes.ChatRequest: APISchema {
    static let schema = Schema.request(
        [
            "model": Schema.string,
            "messages": [
                "type": "array", "minItems": 1, "maxItems": 64,
                "items": Schema.request(
                    [
                        "role": ["type": "string", "enum": ["system", "user", "assistant"]], "content": Schema.string,
                    ], required: ["role", "content"], open: true),
            ],
            "max_tokens": ["type": "integer", "minimum": 1, "maximum": 2048], "max_completion_tokens": ["type": "integer", "minimum": 1, "maximum": 2048],
            "temperature": ["type": "number", "minimum": 0, "maximum": 2], "top_p": ["type": "number", "exclusiveMinimum": 0, "maximum": 1],
            "seed": ["type": "integer", "minimum": 0, "maximum": 9_007_199_254_740_991], "stream": Schema.boolean,
            "stream_options": Schema.request(["include_usage": Schema.boolean], required: []),
            "stop": [
                "oneOf": [
                    ["type": "string", "minLength": 1, "maxLength": 256],
                    ["type": "array", "items": ["type": "string", "minLength": 1, "maxLength": 256], "maxItems": 4],
                ]
            ],
            "user": Schema.string,
        ], required: ["messages"], open: true)
}

extension InsightRoutes.InteractionBatch: APISchema {
    static let schema: JSONValue = ["oneOf": [InteractionInput.reference, ["type": "array", "items": InteractionInput.reference, "minItems": 1]]]
}

extension InteractionInput: APISchema {
    static let schema = Schema.request(
        [
            "customer_id": ["type": "string", "minLength": 1, "maxLength": 256], "kind": Schema.oneOf(InteractionKind.self),
            "text": ["type": "string", "maxLength": .number(Double(InteractionInput.maximumTextBytes)), "description": "Redacted before it is stored"],
            "product_id": ["type": "string", "maxLength": 256], "rating": ["type": "number", "minimum": 1, "maximum": 5],
            "timestamp": ["type": "string", "description": "ISO 8601 date or date-time, or Unix seconds"],
            "interaction_id": ["type": "string", "maxLength": 256],
        ], required: ["customer_id", "kind"])
}

// MARK: - Responses

extension InsightRoutes.Stored: APISchema {
    static let schema = Schema.object(
        [
            "stored": Schema.integer, "duplicates": Schema.integer, "embedded": Schema.integer, "redactions": Schema.map(Schema.integer),
            "profiles": Schema.array(ProfileView.reference),
        ], required: ["stored", "duplicates", "embedded", "redactions", "profiles"])
}

extension ProfileView: APISchema {
    static let schema = Schema.object(
        [
            "customer_id": Schema.string, "as_of": Schema.date, "profiling_consent": Schema.boolean,
            "behaviour": Schema.object(
                [
                    "frequency": Schema.integer, "recency": Schema.number, "T": Schema.number, "unit": Schema.oneOf(TimeUnit.self),
                    "expected_purchases": Schema.number, "horizon_days": Schema.number, "p_alive": Schema.number, "clv": Schema.number,
                    "clv_interval": Schema.array(Schema.number), "tier": Schema.string, "churn_risk_band": Schema.oneOf(ChurnRisk.self),
                    "rfm_segment": Schema.oneOf(RFMSegment.self), "expected_next_order": Schema.date, "average_days_between_orders": Schema.number,
                    "average_order_value": Schema.number,
                ],
                required: ["frequency", "recency", "T", "unit", "expected_purchases", "horizon_days", "p_alive", "tier", "churn_risk_band", "rfm_segment"]),
            "interactions": Schema.map(Schema.integer),
            "interests": Schema.array(
                Schema.object(
                    ["topic": Schema.integer, "terms": Schema.array(Schema.string), "similarity": Schema.number], required: ["topic", "terms", "similarity"])),
            "sentiment": Schema.array(
                Schema.object(["month": Schema.string, "mean_score": Schema.number, "texts": Schema.integer], required: ["month", "mean_score", "texts"])),
            "sentiment_trend": Schema.number,
        ], required: ["customer_id", "as_of", "profiling_consent", "interactions"])
}

extension ErrorBody: APISchema {
    static let schema = Schema.object(
        [
            "error": Schema.object(
                [
                    "status": Schema.integer, "message": Schema.string, "type": Schema.string, "code": Schema.nullable(Schema.string),
                    "param": Schema.nullable(Schema.string),
                ], required: ["status", "message", "type", "code", "param"])
        ], required: ["error"])
}

extension OperationsRoutes.Health: APISchema {
    static let schema = Schema.object(
        [
            "status": ["type": "string", "enum": ["ok", "ready", "not ready"]], "reason": Schema.string,
            "model": Schema.oneOf(ModelKind.self), "model_run_id": Schema.integer,
        ], required: ["status"])
}

extension ModelRunView: APISchema {
    static let schema = Schema.object(
        [
            "id": Schema.integer, "model": Schema.oneOf(ModelKind.self), "created_at": Schema.dateTime, "data_end": Schema.date,
            "unit": Schema.oneOf(TimeUnit.self), "n_customers": Schema.integer, "converged": Schema.boolean, "log_likelihood": Schema.number,
            "params": Schema.map(Schema.number), "standard_errors": Schema.map(Schema.nullable(Schema.number)),
            "confidence_intervals_95": Schema.map(Schema.array(Schema.nullable(Schema.number))), "aic": Schema.number, "bic": Schema.number,
            "iterations": Schema.integer, "error": Schema.string,
        ], required: ["id", "model", "created_at", "data_end", "unit", "n_customers", "converged"])
}

extension ModelRunList: APISchema {
    static let schema = Schema.object(["model_runs": Schema.array(ModelRunView.reference)], required: ["model_runs"])
}

extension FitJobs.Job: APISchema {
    static let schema = Schema.object(
        [
            "id": Schema.integer, "model": Schema.oneOf(ModelKind.self), "status": Schema.oneOf(FitJobs.Status.self),
            "model_run_ids": Schema.array(Schema.integer), "error": Schema.string,
        ], required: ["id", "model", "status", "model_run_ids"])
}

extension CustomerView: APISchema {
    static let schema = Schema.object(
        [
            "customer_id": Schema.string, "country": Schema.string, "first_seen": Schema.date, "consent": Consent.reference,
            "summary": Schema.object(
                [
                    "frequency": Schema.integer, "recency": Schema.number, "T": Schema.number, "monetary_value": Schema.number,
                    "unit": Schema.oneOf(TimeUnit.self), "as_of": Schema.date,
                ], required: ["frequency", "recency", "T", "monetary_value", "unit", "as_of"]),
            "scores": Schema.object(
                [
                    "model": Schema.oneOf(ModelKind.self), "model_run_id": Schema.integer, "horizon": Schema.number,
                    "expected_purchases": Schema.number, "p_alive": Schema.number, "churn_risk": Schema.number,
                    "churn_risk_band": Schema.oneOf(ChurnRisk.self), "expected_spend": Schema.number, "clv": Schema.number, "tier": Schema.string,
                    "rfm": Schema.object(
                        [
                            "recency": Schema.integer, "frequency": Schema.integer, "monetary": Schema.integer, "segment": Schema.oneOf(RFMSegment.self),
                        ], required: ["recency", "frequency", "monetary", "segment"]),
                    "interval": Schema.object(
                        [
                            "level": Schema.number, "method": Schema.string, "expected_purchases": Schema.array(Schema.number),
                            "clv": Schema.array(Schema.number),
                        ], required: ["level", "method", "expected_purchases"]),
                ], required: ["model", "model_run_id", "horizon", "expected_purchases", "p_alive", "churn_risk", "churn_risk_band", "tier", "rfm"]),
            "learned": LearnedView.reference,
        ], required: ["customer_id", "summary", "scores"])
}

extension CustomerRoutes.CustomerPage: APISchema {
    static let schema = Schema.object(
        [
            "total": Schema.integer, "offset": Schema.integer, "as_of": Schema.date, "customers": Schema.array(CustomerView.reference),
        ], required: ["total", "offset", "as_of", "customers"])
}

extension CustomerRoutes.OrderHistory: APISchema {
    static let schema = Schema.object(
        [
            "customer_id": Schema.string,
            "lines": Schema.array(
                Schema.object(
                    [
                        "date": Schema.date, "time": Schema.string, "order_id": Schema.string, "product_id": Schema.string, "product_title": Schema.string,
                        "quantity": Schema.number, "unit_price": Schema.number, "amount": Schema.number, "is_return": Schema.boolean,
                    ], required: ["date", "amount", "is_return"])),
        ], required: ["customer_id", "lines"])
}

extension CustomerRoutes.ConsentView: APISchema {
    static let schema = Schema.object(
        ["customer_id": Schema.string, "marketing": Schema.boolean, "profiling": Schema.boolean], required: ["customer_id", "marketing", "profiling"]
    )
}

extension CustomerRoutes.ErasureView: APISchema {
    static let schema = Schema.object(
        [
            "erased": Schema.boolean,
            "deleted_rows": Schema.object(
                [
                    "order_line": Schema.integer, "customer_day": Schema.integer, "customer": Schema.integer, "interaction": Schema.integer,
                    "embedding": Schema.integer,
                ],
                required: ["order_line", "customer_day", "customer", "interaction", "embedding"]
            ),
        ], required: ["erased", "deleted_rows"])
}

extension EventRoutes.Accepted: APISchema {
    static let schema = Schema.object(
        [
            "order_id": Schema.string, "lines": Schema.integer, "duplicate": Schema.boolean, "customer": CustomerView.reference,
        ], required: ["order_id", "lines", "duplicate"])
}

extension SegmentRoutes.SegmentList: APISchema {
    static let schema = Schema.object(
        [
            "method": Schema.oneOf(SegmentationMethod.self), "as_of": Schema.date, "customers": Schema.integer,
            "segments": Schema.array(
                Schema.object(
                    [
                        "segment": Schema.string, "customers": Schema.integer, "share_of_customers": Schema.number, "share_of_clv": Schema.number,
                        "mean_p_alive": Schema.number,
                    ], required: ["segment", "customers", "share_of_customers", "share_of_clv", "mean_p_alive"])),
        ], required: ["method", "as_of", "customers", "segments"])
}

extension SegmentRoutes.AudienceView: APISchema {
    static let schema = Schema.object(
        [
            "as_of": Schema.date, "size": Schema.integer, "predicted_value": Schema.number,
            "customers": Schema.array(
                Schema.object(
                    [
                        "customer_id": Schema.string, "tier": Schema.string, "segment": Schema.oneOf(RFMSegment.self), "p_alive": Schema.number,
                        "churn_risk": Schema.oneOf(ChurnRisk.self), "expected_purchases": Schema.number, "clv": Schema.number,
                    ], required: ["customer_id", "tier", "segment", "p_alive", "churn_risk", "expected_purchases"])),
        ], required: ["as_of", "size", "predicted_value", "customers"])
}

extension LanguageRoutes.ChatCompletion: APISchema {
    static let schema: JSONValue = {
        let message = Schema.object(["role": Schema.string, "content": Schema.string], required: [])
        return Schema.object(
            [
                "id": Schema.string, "object": ["type": "string", "enum": ["chat.completion", "chat.completion.chunk"]], "created": Schema.integer,
                "model": Schema.string,
                "choices": Schema.array(
                    Schema.object(
                        [
                            "index": Schema.integer, "message": message, "delta": message,
                            "finish_reason": Schema.nullable(["type": "string", "enum": ["stop", "length"]]),
                        ], required: ["index", "finish_reason"])),
                "usage": Schema.object(
                    ["prompt_tokens": Schema.integer, "completion_tokens": Schema.integer, "total_tokens": Schema.integer],
                    required: ["prompt_tokens", "total_tokens"]),
            ], required: ["id", "object", "created", "model", "choices"])
    }()
}

extension LanguageRoutes.EmbeddingList: APISchema {
    static let schema = Schema.object(
        [
            "object": ["type": "string", "enum": ["list"]], "model": Schema.string,
            "data": Schema.array(
                Schema.object(
                    [
                        "object": ["type": "string", "enum": ["embedding"]], "index": Schema.integer,
                        "embedding": [
                            "oneOf": [Schema.array(Schema.number), ["type": "string", "contentEncoding": "base64", "description": "encoding_format base64"]]
                        ],
                    ],
                    required: ["object", "index", "embedding"]
                )),
            "usage": Schema.object(
                ["prompt_tokens": Schema.integer, "completion_tokens": Schema.integer, "total_tokens": Schema.integer],
                required: ["prompt_tokens", "total_tokens"]),
        ], required: ["object", "model", "data", "usage"])
}

extension LanguageRoutes.ModelInfo: APISchema {
    static let schema = Schema.object(
        [
            "id": Schema.string, "object": ["type": "string", "enum": ["model"]], "created": Schema.integer, "owned_by": Schema.string,
        ], required: ["id", "object", "created", "owned_by"])
}

extension LanguageRoutes.ModelList: APISchema {
    static let schema = Schema.object(
        ["object": ["type": "string", "enum": ["list"]], "data": Schema.array(LanguageRoutes.ModelInfo.reference)], required: ["object", "data"])
}

/// Every schema the document declares, by name.
enum Schemas {
    static let all: [any APISchema.Type] = [
        ModelRunRoutes.FitRequest.self, EventRoutes.OrderEvent.self, Consent.self, LanguageRoutes.EmbeddingRequest.self,
        LanguageRoutes.ChatRequest.self, ErrorBody.self, OperationsRoutes.Health.self, ModelRunView.self, ModelRunList.self, FitJobs.Job.self,
        CustomerView.self, CustomerRoutes.CustomerPage.self, CustomerRoutes.OrderHistory.self, CustomerRoutes.ConsentView.self,
        CustomerRoutes.ErasureView.self, EventRoutes.Accepted.self, SegmentRoutes.SegmentList.self, SegmentRoutes.AudienceView.self,
        LanguageRoutes.ChatCompletion.self, LanguageRoutes.EmbeddingList.self, LanguageRoutes.ModelInfo.self, LanguageRoutes.ModelList.self,
        InteractionInput.self, InsightRoutes.InteractionBatch.self, InsightRoutes.Stored.self, ProfileView.self,
        LearnedView.self, ExplanationView.self, RecommendationList.self, AssistRoutes.AssistBody.self, AssistView.self, ConversationView.self,
        AssistQueue.self,
    ]
}
