"""
The official `openai` Python package (pinned in requirements.txt) pointed at ClearGate the way a
notebook is: `OpenAI(base_url="<gateway>/openai/v1", api_key=<Snap4City access token>)`, against
the serving peer's vLLM stand-in behind an `openai` machine.
"""
import time
from typing import Any, Dict, List

import pytest
import requests
from openai import APIError, AuthenticationError, NotFoundError, OpenAI

from conftest import LlmGateway


@pytest.fixture
def client(llm_gateway: LlmGateway) -> OpenAI:
    llm_gateway.peer("DELETE")
    return OpenAI(base_url=f"{llm_gateway.url}/openai/v1", api_key=llm_gateway.oidc.login("observer"), max_retries=0)


def wait_for(check, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def test_lists_models_and_answers_a_chat_completion(client: OpenAI, llm_gateway: LlmGateway) -> None:
    assert sorted(m.id for m in client.models.list()) == ["embedder", "llama"]
    answer = client.chat.completions.create(model="llama", messages=[{"role": "user", "content": "Good morning Florence"}])
    assert answer.choices[0].message.content == "You said: Good morning Florence"
    assert answer.usage.prompt_tokens == 9 and answer.usage.completion_tokens == 5
    record = wait_for(lambda: llm_gateway.call_log("llama"))[0]
    assert record["route"] == "openai" and record["outcome"] == "ok"
    assert (record["prompt_tokens"], record["completion_tokens"]) == (9, 5)


def test_retrieves_a_model_the_caller_may_use(client: OpenAI) -> None:
    model = client.models.retrieve("llama")
    assert (model.id, model.object) == ("llama", "model")
    assert model.model_dump() == next(m for m in client.models.list() if m.id == "llama").model_dump()
    with pytest.raises(NotFoundError) as unknown:
        client.models.retrieve("gpt-4o")
    assert unknown.value.body["code"] == "model_not_found"


def test_streams_a_chat_completion_token_by_token(client: OpenAI, llm_gateway: LlmGateway) -> None:
    llm_gateway.peer("PATCH", {"behaviour": {"tokenDelayMs": 80}})
    stream = client.chat.completions.create(model="llama", messages=[{"role": "user", "content": "a b c d"}], stream=True)
    pieces: List[str] = []
    times: List[float] = []
    for chunk in stream:
        assert chunk.object == "chat.completion.chunk"
        pieces.append(chunk.choices[0].delta.content or "")
        times.append(time.monotonic())
    assert "".join(pieces) == "You said: a b c d"
    # As the model wrote them, not all at once at the end: the six tokens took 6 x 80 ms to write,
    # and the first arrived long before the last. (Gaps between single chunks are not compared: on a
    # busy machine this process may read several that waited in its socket at once.)
    assert times[-1] - times[1] >= 0.2, [round(t - times[0], 3) for t in times]


def test_embeds_text(client: OpenAI) -> None:
    result = client.embeddings.create(model="embedder", input=["via Roma", "via Roma"])
    assert len(result.data) == 2 and len(result.data[0].embedding) == 8
    assert result.data[0].embedding == result.data[1].embedding


def test_unknown_model_is_404_and_no_token_is_401_in_openais_shape(client: OpenAI, llm_gateway: LlmGateway) -> None:
    with pytest.raises(NotFoundError) as unknown:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    assert unknown.value.status_code == 404
    assert unknown.value.body == {
        "message": "The model `gpt-4o` does not exist or you do not have access to it.",
        "type": "not_found_error",
        "param": None,
        "code": "model_not_found",
    }
    anonymous = requests.post(f"{llm_gateway.url}/openai/v1/chat/completions", json={"model": "llama", "messages": []}, timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["type"] == "authentication_error"
    with pytest.raises(AuthenticationError):
        OpenAI(base_url=f"{llm_gateway.url}/openai/v1", api_key="not-a-token", max_retries=0).models.list()


def test_a_client_that_stops_reading_stops_the_model(client: OpenAI, llm_gateway: LlmGateway) -> None:
    llm_gateway.peer("PATCH", {"behaviour": {"tokenDelayMs": 50}})
    words = " ".join(f"w{i}" for i in range(80))
    stream = client.chat.completions.create(model="llama", messages=[{"role": "user", "content": words}], stream=True)
    for i, _chunk in enumerate(stream):
        if i == 3:
            break
    stream.close()
    request: Dict[str, Any] = wait_for(lambda: next((r for r in llm_gateway.peer("GET")["requests"] if r["aborted"]), None))
    assert not request["completed"] and request["tokens_sent"] < 30
    wait_for(lambda: any(r["outcome"] == "cancelled" for r in llm_gateway.call_log("llama")))


def test_a_model_failing_mid_stream_ends_the_stream_with_an_error(client: OpenAI, llm_gateway: LlmGateway) -> None:
    llm_gateway.peer("PATCH", {"behaviour": {"tokenDelayMs": 30, "fail": {"afterTokens": 2, "kind": "reset", "times": 1}}})
    stream = client.chat.completions.create(model="llama", messages=[{"role": "user", "content": "a b c d"}], stream=True)
    pieces: List[str] = []
    with pytest.raises(APIError, match="mid-answer"):
        for chunk in stream:
            pieces.append(chunk.choices[0].delta.content or "")
    assert "".join(pieces) == "You said:"
    failed = wait_for(lambda: [r for r in llm_gateway.call_log("llama") if r["outcome"] == "upstream_error"])
    assert failed[0]["status_code"] == 200 and "mid-answer" in failed[0]["error"]
