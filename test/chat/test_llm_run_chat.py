"""llm-run --chat: a conversation over stdin, the KV cache kept between turns.

A tiny random Llama with the Llama 2 tokenizer and the zephyr template (its end of turn is EOS),
whose classifier row of EOS is made twice the row of a token it generates, so that its replies
end at the end of the turn after a few tokens. Each turn must feed the model the ids of the whole
conversation (llm_chat_tokenize through llmc-tokenize, which test_chat_templates.py compares with
apply_chat_template) minus what the cache holds, and answer as a one-shot run of the whole
conversation does; the streamed text must be the bytes of the reply's ids. A model without a
template cannot chat.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
from pathlib import Path

import pytest

from llmc import driver, hf_models
from llmc.testing import cxx_or_skip, llmc_tokenize as tool, require_llmc_tokenize

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = Path(__file__).resolve().parent / "templates"
LLAMA2_MODEL = REPO / "models" / "llama2-tokenizer" / "tokenizer.model"
EOS = 2
CONTEXT = 96
STEPS = 12

sentencepiece = pytest.importorskip("sentencepiece")
safetensors_numpy = pytest.importorskip("safetensors.numpy")


def chat_ids(tokenizer: Path, conversation) -> list[int]:
    """llm_chat_tokenize of the conversation with the generation prompt."""
    data = b"".join(struct.pack("<I", len(t.encode())) + t.encode()
                    for message in conversation for t in message)
    proc = subprocess.run([str(tool()), str(tokenizer), "--chat", "--generation-prompt", "--ids"],
                          input=data, capture_output=True, timeout=60, check=True)
    return [int(i) for i in proc.stdout.split()]


def token_bytes(sp, ids: list[int]) -> bytes:
    """What llm_token_to_bytes gives for ids that follow a non-BOS token."""
    out = b""
    for i in ids:
        piece = sp.id_to_piece(i)
        match = re.fullmatch(r"<0x([0-9A-F]{2})>", piece)
        if sp.is_control(i):
            continue
        out += bytes([int(match.group(1), 16)]) if match else piece.replace("\u2581", " ").encode()
    return out


def chat(build: Path, out: Path, lines: list[str], *flags: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(driver.executable(build)), "--chat", "--temperature", "0", "--steps", str(STEPS),
         "--weights", str(out / "weights.bin"), "--tokenizer", str(out / "tokenizer.bin"),
         *flags],
        input="".join(line + "\n" for line in lines).encode(), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc


@pytest.mark.llmc
def test_llm_run_chat_keeps_the_cache_and_stops_at_the_end_of_the_turn(tmp_path):
    cxx = cxx_or_skip("g++")
    require_llmc_tokenize()
    sp = sentencepiece.SentencePieceProcessor(model_file=str(LLAMA2_MODEL))
    folder = tmp_path / "hf"
    hf_models.write_random_llama(folder, hf_models.LlamaSpec(
        hidden_size=16, intermediate_size=32, num_layers=1, num_heads=2, vocab_size=32000,
        max_position_embeddings=CONTEXT))
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"chat_template": (TEMPLATES / "zephyr.jinja").read_text()}))
    (folder / "tokenizer.model").write_bytes(LLAMA2_MODEL.read_bytes())
    out = tmp_path / "out"
    driver.compile(folder, out, check=True)
    build = driver.build(out, cxx)
    tokenizer = out / "tokenizer.bin"

    # EOS's logit becomes twice that of the third token the model says to "Hi": positive there,
    # so the reply ends by then.
    first = chat_ids(tokenizer, [("user", "Hi")])
    ids, _ = driver.run(build, first, 3, out)
    weights_file = folder / "model.safetensors"
    tensors = safetensors_numpy.load_file(str(weights_file))
    tensors["lm_head.weight"][EOS] = 2 * tensors["lm_head.weight"][ids[2]]
    safetensors_numpy.save_file(tensors, str(weights_file), metadata={"format": "pt"})
    out = tmp_path / "out-eos"  # the same shapes: the llm-run built above runs it
    driver.compile(folder, out, check=True)

    lines = ["Hi", "Tell me more", "x " * 40]
    system = ("system", "Be brief.")
    ids_run = chat(build, out, lines, "--system", system[1], "--print-token-ids", "--echo",
                   "--verbose")
    rows = [[int(i) for i in line.split()] for line in ids_run.stdout.decode().splitlines()]
    assert len(rows) == 2 * len(lines)
    fed, replies = rows[0::2], rows[1::2]
    stderr = ids_run.stderr.decode()

    conversation = [system]
    cached: list[int] = []
    resets = 0
    for turn, line in enumerate(lines, start=1):
        conversation.append(("user", line))
        full = chat_ids(tokenizer, conversation)
        if len(full) >= CONTEXT:  # the conversation starts again from this turn
            conversation = [system, ("user", line)]
            full = chat_ids(tokenizer, conversation)
            cached = []
            resets += 1
            assert f"turn {turn}: the conversation no longer fits the context" in stderr
        keep = 0
        while keep < min(len(cached), len(full) - 1) and cached[keep] == full[keep]:
            keep += 1
        # The model is fed the conversation's ids after what the cache holds.
        assert fed[turn - 1] == full[keep:], turn
        assert f"turn {turn}: {keep} tokens kept in the cache" in stderr
        # The reply is what a one-shot run of the whole conversation generates, up to EOS.
        reply = replies[turn - 1]
        one_shot, _ = driver.run(build, full, STEPS, out)
        assert reply == one_shot[:len(reply)]
        assert len(reply) < STEPS and one_shot[len(reply)] == EOS, turn
        cached = full + reply
        text = token_bytes(sp, reply).decode("utf-8", errors="replace")
        conversation.append(("assistant", text))
    assert resets == 1
    assert len(replies[0]) > 0

    # The text streamed is the bytes of the reply's ids, a line per reply.
    text_run = chat(build, out, lines, "--system", system[1])
    assert text_run.stdout == b"".join(token_bytes(sp, r) + b"\n" for r in replies)

    # A model without a chat template cannot chat; --chat takes no other prompt.
    plain = tmp_path / "plain"
    driver.compile(folder, plain, "--chat-template", "none", check=True)
    proc = subprocess.run([str(driver.executable(build)), "--chat", "--weights",
                           str(out / "weights.bin"), "--tokenizer", str(plain / "tokenizer.bin")],
                          input=b"Hi\n", capture_output=True, timeout=60)
    assert proc.returncode == 1
    assert "the model has no chat template" in proc.stderr.decode()
    usage = driver.run_raw(build, "--chat", "--prompt", "x")
    assert usage.returncode == 2 and "--chat reads the user's messages from stdin" in usage.stderr
