"""Drives CLVKit's OpenAI-compatible routes with OpenAI's official Python client, as a user's tool would.

Run by ContractTests with OPENAI_BASE_URL and OPENAI_API_KEY pointing at a test server; exits non-zero on the
first broken expectation.
"""

import math

import openai

client = openai.OpenAI(max_retries=0, timeout=120)


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAILED: {message}")


# Discovery: what /v1/models lists is what the other routes accept.
ids = [model.id for model in client.models.list()]
check({"SmolLM2-135M-Instruct", "all-MiniLM-L6-v2", "multilingual-e5-small"} <= set(ids), f"models listed: {ids}")
check(client.models.retrieve("all-MiniLM-L6-v2").id == "all-MiniLM-L6-v2", "models.retrieve")

# Embeddings: the client asks for base64 by default and decodes it; the float form must give the same vectors.
texts = ["Where is my parcel?", "I want a refund for the broken kettle."]
default = client.embeddings.create(model="all-MiniLM-L6-v2", input=texts)
floats = client.embeddings.create(model="all-MiniLM-L6-v2", input=texts, encoding_format="float")
check(len(default.data) == 2 and len(default.data[0].embedding) == 384, "two 384-dimensional vectors")
for a, b in zip(default.data, floats.data):
    check(max(abs(x - y) for x, y in zip(a.embedding, b.embedding)) < 1e-6, "base64 and float vectors agree")
    check(abs(math.sqrt(sum(x * x for x in a.embedding)) - 1) < 1e-4, "unit length")
check(default.usage.prompt_tokens > 0 and default.usage.total_tokens == default.usage.prompt_tokens, f"usage {default.usage}")
chinese = client.embeddings.create(model="multilingual-e5-small", input="质量很好，物流也快")
check(len(chinese.data[0].embedding) == 384, "e5 vector")
for model in ids:
    if model != "SmolLM2-135M-Instruct":
        client.embeddings.create(model=model, input="ok")

# Chat: a reply with usage; the newer max_completion_tokens, a seed and stop sequences are honoured.
messages = [{"role": "user", "content": "List three colours, one per line."}]
reply = client.chat.completions.create(model="SmolLM2-135M-Instruct", messages=messages, max_completion_tokens=24, seed=7)
text = reply.choices[0].message.content
check(isinstance(text, str) and text, "a reply")
check(reply.usage.completion_tokens <= 24 and reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens, f"usage {reply.usage}")
again = client.chat.completions.create(model="SmolLM2-135M-Instruct", messages=messages, max_completion_tokens=24, seed=7)
check(again.choices[0].message.content == text, "greedy replies repeat")
stopped = client.chat.completions.create(model="SmolLM2-135M-Instruct", messages=messages, max_completion_tokens=24, stop=["\n"])
check("\n" not in stopped.choices[0].message.content, "stop sequence honoured")
check(stopped.choices[0].message.content == text.split("\n")[0], "stop cuts the same reply at its first line break")

# Streaming, with the final usage chunk OpenAI sends when asked.
pieces, usage = [], None
stream = client.chat.completions.create(
    model="SmolLM2-135M-Instruct", messages=messages, max_completion_tokens=24, seed=7, stream=True, stream_options={"include_usage": True}
)
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content:
        pieces.append(chunk.choices[0].delta.content)
    if chunk.usage is not None:
        usage = chunk.usage
check("".join(pieces) == text, "the stream carries the same reply")
check(usage is not None and usage.completion_tokens == reply.usage.completion_tokens, f"stream usage {usage}")

# Errors arrive as the client's own exceptions, with OpenAI's error body.
try:
    client.embeddings.create(model="no-such-model", input="x")
    check(False, "an unknown model is refused")
except openai.UnprocessableEntityError as error:
    check(error.body and error.body.get("type") == "invalid_request_error" and "model" in error.body.get("message", ""), f"error body {error.body}")
try:
    client.models.retrieve("no-such-model")
    check(False, "an unknown model id is 404")
except openai.NotFoundError:
    pass
try:
    openai.OpenAI(api_key="clv_wrong", max_retries=0).models.list()
    check(False, "a wrong key is refused")
except openai.AuthenticationError as error:
    check(error.body.get("type") == "authentication_error", f"auth error body {error.body}")

print("all checks passed")
