"""Chat templates: llmc's prompts against transformers' apply_chat_template, byte for byte.

The reference is each template's Jinja text as its model ships it (templates/, README there says
where each came from), rendered by transformers. llmc's side is the runtime's llm_chat_format and
llm_chat_tokenize through build/bin/llmc-tokenize --chat, and `llmc compile`, which recognises a
template from a Hugging Face folder's tokenizer_config.json or a GGUF's tokenizer.chat_template and
writes the choice into tokenizer.bin and manifest.json; and llm-run --chat-prompt, which feeds
the model that prompt.
"""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from llmc import driver, gguf_export, hf_models
from llmc.testing import (cxx_or_skip, llmc_tokenize as tool, meta_llama3_tokenizer,
                          require_llmc_tokenize)

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = Path(__file__).resolve().parent / "templates"
LLAMA2_MODEL = REPO / "models" / "llama2-tokenizer" / "tokenizer.model"

transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")
pytest.importorskip("jinja2")
sentencepiece = pytest.importorskip("sentencepiece")
pytest.importorskip("llama_models.llama3.tokenizer")

# What Python's str.isspace() (and so str.strip() and Jinja's trim) calls whitespace: the
# conversations hold each of these characters at both ends of a message.
PY_SPACES = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())

CONVERSATIONS = [
    [("user", "Hello, how are you?")],
    [("system", "You are a helpful assistant."), ("user", "What is the capital of France?")],
    [("user", "Hi!"), ("assistant", "Hello! How can I help?"), ("user", "Tell me a joke.")],
    [("system", "Answer briefly."), ("user", "2+2?"), ("assistant", "4"), ("user", "3+3?"),
     ("assistant", "6")],
    [("user", "  Café olé?  "), ("assistant", " Of course!\u3000"), ("user", "\tthanks\n\x1f")],
    [("system", " sys "), ("user", "  keeps its leading space after <<SYS>>  ")],
    [("system", "sys"), ("user", " \n\t ")],
    [("user", PY_SPACES + "x" + PY_SPACES), ("assistant", PY_SPACES + "y\u200b" + PY_SPACES)],
    [("user", "日本語 😀👍🏽 e\u0301 <s> <|eot_id|> [INST]"), ("assistant", "")],
    [("system", "S"), ("assistant", "speaks first"), ("user", "odd")],
    [("user", "a"), ("user", "b")],
    [("assistant", "alone")],
]

BOS_EOS = {"llama2": ("<s>", "</s>"), "zephyr": ("<s>", "</s>"),
           "llama3": ("<|begin_of_text|>", "<|end_of_text|>")}


@pytest.fixture(scope="module", autouse=True)
def _tool_built():
    require_llmc_tokenize()


@pytest.fixture(scope="module")
def llama3():
    """Meta's Llama 3 tokenizer (tiktoken inside) and its tokenizer.model."""
    return meta_llama3_tokenizer()


@pytest.fixture(scope="module")
def llama3_bin(llama3, tmp_path_factory) -> Path:
    """The Llama 3 tokenizer.model imported into a tokenizer.bin once (importing 128256 tokens
    takes a moment), for the runs that do not test the import."""
    blob = tmp_path_factory.mktemp("llama3") / "tokenizer.bin"
    subprocess.run([str(tool()), str(llama3[1]), "--write", str(blob)], input=b"", check=True,
                   capture_output=True, timeout=120)
    return blob


def reference(name: str, conversation, generation_prompt: bool):
    """transformers' apply_chat_template with the model's Jinja text, or the exception it
    raises."""
    from transformers import PreTrainedTokenizerFast
    bos, eos = BOS_EOS[name]
    vocab = tokenizers.Tokenizer(tokenizers.models.WordLevel({"<unk>": 0, bos: 1, eos: 2},
                                                             unk_token="<unk>"))
    tok = PreTrainedTokenizerFast(tokenizer_object=vocab, bos_token=bos, eos_token=eos,
                                  unk_token="<unk>")
    tok.chat_template = (TEMPLATES / f"{name}.jinja").read_text()
    messages = [{"role": r, "content": c} for r, c in conversation]
    try:
        return tok.apply_chat_template(messages, tokenize=False,
                                       add_generation_prompt=generation_prompt)
    except Exception as error:  # jinja2's TemplateError from raise_exception
        return error


def llmc_chat(tokenizer: Path, conversation, *flags: str) -> subprocess.CompletedProcess:
    data = b"".join(struct.pack("<I", len(t.encode())) + t.encode()
                    for message in conversation for t in message)
    return subprocess.run([str(tool()), str(tokenizer), "--chat", *flags], input=data,
                          capture_output=True, timeout=120)


@pytest.mark.parametrize("name", ["llama2", "llama3", "zephyr"])
def test_prompts_are_apply_chat_templates(name, llama3_bin):
    tokenizer = llama3_bin if name == "llama3" else LLAMA2_MODEL
    raised = 0
    for conversation in CONVERSATIONS:
        for generation_prompt in (False, True):
            expected = reference(name, conversation, generation_prompt)
            flags = ["--chat-template", name] + (["--generation-prompt"] if generation_prompt
                                                  else [])
            proc = llmc_chat(tokenizer, conversation, *flags)
            what = f"{name} {conversation} generation_prompt={generation_prompt}"
            if isinstance(expected, Exception):
                raised += 1
                assert proc.returncode == 1, what
                assert "Conversation roles must alternate" in proc.stderr.decode(), what
                assert str(expected) in proc.stderr.decode(), what
                continue
            assert proc.returncode == 0, f"{what}: {proc.stderr.decode()}"
            assert proc.stdout == expected.encode(), f"{what}\n llmc {proc.stdout!r}\n" \
                                                     f" reference {expected.encode()!r}"
    # Only llama2 refuses conversations (the last three, whose roles do not alternate).
    assert raised == (6 if name == "llama2" else 0)


def split_specials(text: str, specials: dict[str, int]):
    """text as (special id | plain text) parts, specials found leftmost first."""
    parts, start = [], 0
    while start < len(text):
        hits = [(text.find(s, start), s) for s in specials if text.find(s, start) >= 0]
        if not hits:
            break
        at, special = min(hits, key=lambda h: (h[0], -len(h[1])))
        if at > start:
            parts.append(text[start:at])
        parts.append(specials[special])
        start = at + len(special)
    if start < len(text):
        parts.append(text[start:])
    return parts


def test_llama3_prompt_ids_have_special_tokens_as_single_ids(llama3):
    meta, path = llama3
    conversation = CONVERSATIONS[3] + [("user", "Tiếng Việt, 日本語 😀")]
    text = reference("llama3", conversation, True)
    proc = llmc_chat(path, conversation, "--chat-template", "llama3", "--generation-prompt",
                     "--ids")
    assert proc.returncode == 0, proc.stderr.decode()
    ids = [int(i) for i in proc.stdout.split()]
    assert ids == meta.model.encode(text, allowed_special="all")
    special = meta.special_tokens
    assert ids[0] == special["<|begin_of_text|>"] and ids.count(ids[0]) == 1
    # Six messages and the generation prompt's header.
    assert ids.count(special["<|start_header_id|>"]) == 7
    assert ids.count(special["<|end_header_id|>"]) == 7
    assert ids.count(special["<|eot_id|>"]) == 6


@pytest.mark.parametrize("name", ["llama2", "zephyr"])
def test_sentencepiece_prompt_ids_read_bos_and_eos_as_tokens(name):
    # A SentencePiece tokenizer.model has no special tokens of its own: the chat prompt's <s> and
    # </s> still become BOS and EOS, and each run of text between them is encoded as
    # sentencepiece encodes it (as Llama 2's tokenizer.json, Prepend normalizer, reads it).
    sp = sentencepiece.SentencePieceProcessor(model_file=str(LLAMA2_MODEL))
    conversation = CONVERSATIONS[3]
    text = reference(name, conversation, True)
    proc = llmc_chat(LLAMA2_MODEL, conversation, "--chat-template", name, "--generation-prompt",
                     "--ids")
    assert proc.returncode == 0, proc.stderr.decode()
    ids = [int(i) for i in proc.stdout.split()]
    expected = [] if text.startswith("<s>") else [sp.bos_id()]  # zephyr's BOS comes first
    for part in split_specials(text, {"<s>": sp.bos_id(), "</s>": sp.eos_id()}):
        expected += [part] if isinstance(part, int) else sp.encode(part)
    assert ids == expected
    assert ids[0] == sp.bos_id() and sp.eos_id() in ids


def test_bad_conversations_and_tokenizers_are_clear_errors(tmp_path):
    def error_of(conversation, *flags, tokenizer=LLAMA2_MODEL) -> str:
        proc = llmc_chat(tokenizer, conversation, *flags)
        assert proc.returncode == 1 and not proc.stdout
        return proc.stderr.decode()

    assert "no chat template" in error_of([("user", "hi")])
    assert "message 1: role 'User' is not system, user or assistant" in error_of(
        [("system", "s"), ("User", "hi")], "--chat-template", "zephyr")
    bad_utf8 = struct.pack("<I", 4) + b"user" + struct.pack("<I", 3) + b"a\xffb"
    proc = subprocess.run([str(tool()), str(LLAMA2_MODEL), "--chat", "--chat-template", "zephyr"],
                          input=bad_utf8, capture_output=True, timeout=60)
    assert proc.returncode == 1
    assert "message 0: its content is not valid UTF-8 (byte 1)" in proc.stderr.decode()
    # The runtime refuses a tokenizer.bin whose template needs tokens its vocabulary lacks.
    assert "chat template llama3 needs the control token <|start_header_id|>" in error_of(
        [("user", "hi")], "--chat-template", "llama3")
    # ... and one whose template it does not know.
    blob = tmp_path / "tokenizer.bin"
    subprocess.run([str(tool()), str(LLAMA2_MODEL), "--write", str(blob)], input=b"", check=True,
                   capture_output=True, timeout=60)
    data = bytearray(blob.read_bytes())
    data[48:52] = struct.pack("<I", 9)  # llmrt_tokenizer_header.chat_template
    blob.write_bytes(bytes(data))
    assert "unknown chat template 9" in error_of([("user", "hi")], tokenizer=blob)


# ---- recognition by llmc compile --------------------------------------------------------------


def hf_folder(path: Path, vocab_size: int, template: str | None) -> Path:
    """A tiny random Llama in a Hugging Face folder, with tokenizer_config.json's chat_template."""
    path.mkdir()
    hf_models.write_random_llama(path, hf_models.LlamaSpec(
        hidden_size=16, intermediate_size=32, num_layers=1, num_heads=2, vocab_size=vocab_size,
        max_position_embeddings=32))
    if template is not None:
        (path / "tokenizer_config.json").write_text(json.dumps({"chat_template": template}))
    return path


def compiled_template(out: Path) -> str:
    """The template out/ was compiled with, as manifest.json and tokenizer.bin say it."""
    manifest = json.loads((out / "manifest.json").read_text())["chat_template"]
    names = ["none", "llama2", "llama3", "zephyr"]
    header = struct.unpack_from("<I", (out / "tokenizer.bin").read_bytes(), 48)[0]
    assert names[header] == manifest
    return manifest


@pytest.mark.llmc
def test_compile_recognises_tokenizer_config_templates(tmp_path):
    folder = hf_folder(tmp_path / "hf", 32000, None)
    (folder / "tokenizer.model").write_bytes(LLAMA2_MODEL.read_bytes())
    out = tmp_path / "out"
    driver.compile(folder, out, check=True)
    assert compiled_template(out) == "none"  # a base model: no template, none written
    for name in ("llama2", "zephyr"):
        text = (TEMPLATES / f"{name}.jinja").read_text()
        (folder / "tokenizer_config.json").write_text(json.dumps({"chat_template": text}))
        driver.compile(folder, out, check=True)
        assert compiled_template(out) == name
    # A list of named templates (as some models ship them): apply_chat_template's "default".
    (folder / "tokenizer_config.json").write_text(json.dumps({"chat_template": [
        {"name": "tool_use", "template": "{{ messages }}"},
        {"name": "default", "template": (TEMPLATES / "llama2.jinja").read_text()}]}))
    driver.compile(folder, out, check=True)
    assert compiled_template(out) == "llama2"
    # chat_template.jinja beside it wins, as in transformers.
    (folder / "chat_template.jinja").write_text((TEMPLATES / "zephyr.jinja").read_text() + "\n")
    driver.compile(folder, out, check=True)
    assert compiled_template(out) == "zephyr"


@pytest.mark.llmc
def test_compile_recognises_llama3_in_tokenizer_json_folders_and_gguf(tmp_path, llama3):
    from transformers.convert_slow_tokenizer import TikTokenConverter
    meta, path = llama3
    text = (TEMPLATES / "llama3.jinja").read_text()
    folder = hf_folder(tmp_path / "hf", meta.model.n_vocab, text)
    config = json.loads((folder / "config.json").read_text())
    config.update(bos_token_id=meta.bos_id, eos_token_id=meta.eos_id)
    (folder / "config.json").write_text(json.dumps(config))
    TikTokenConverter(vocab_file=str(path), pattern=meta.pat_str,
                      extra_special_tokens=list(meta.special_tokens)).converted().save(
                          str(folder / "tokenizer.json"))
    driver.compile(folder, tmp_path / "out-hf", check=True)
    assert compiled_template(tmp_path / "out-hf") == "llama3"
    gguf = gguf_export.write_gguf(folder, tmp_path / "model.gguf",
                                  tokenizer_json=folder / "tokenizer.json", chat_template=text)
    driver.compile(gguf, tmp_path / "out-gguf", check=True)
    assert compiled_template(tmp_path / "out-gguf") == "llama3"
    # The compiled tokenizer.bin formats and encodes the prompt as the reference does.
    conversation = CONVERSATIONS[1]
    proc = llmc_chat(tmp_path / "out-gguf" / "tokenizer.bin", conversation, "--generation-prompt",
                     "--ids")
    assert proc.returncode == 0, proc.stderr.decode()
    expected = meta.model.encode(reference("llama3", conversation, True), allowed_special="all")
    assert [int(i) for i in proc.stdout.split()] == expected


@pytest.mark.llmc
def test_unknown_templates_and_names_are_clear_errors(tmp_path):
    mistral = ("{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
               "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% else %}"
               "{{ message['content'] + eos_token }}{% endif %}{% endfor %}")
    folder = hf_folder(tmp_path / "hf", 32000, mistral)
    (folder / "tokenizer.model").write_bytes(LLAMA2_MODEL.read_bytes())
    out = tmp_path / "out"
    proc = driver.compile(folder, out)
    assert proc.returncode == 1 and not out.exists()
    assert f"{folder}/tokenizer_config.json: the chat template is not one llmc knows (llama2, " \
           "llama3, zephyr; fingerprint 0x" in proc.stderr
    assert "--chat-template" in proc.stderr
    driver.compile(folder, out, "--chat-template", "llama2", check=True)
    assert compiled_template(out) == "llama2"
    driver.compile(folder, out, "--chat-template", "none", check=True)
    assert compiled_template(out) == "none"
    proc = driver.compile(folder, tmp_path / "out2", "--chat-template", "chatml")
    assert proc.returncode == 1 and not (tmp_path / "out2").exists()
    assert "unknown --chat-template 'chatml' (supported: llama2, llama3, zephyr, none)" in \
        proc.stderr
    proc = driver.compile(folder, tmp_path / "out2", "--chat-template", "llama3")
    assert proc.returncode == 1
    assert "chat template llama3 needs the control token <|start_header_id|>, which the " \
           "tokenizer lacks" in proc.stderr
    # Whitespace inside tags does not matter; a changed word does.
    spaced = (TEMPLATES / "llama2.jinja").read_text().replace("' '  + content", "' ' + content")
    (folder / "tokenizer_config.json").write_text(json.dumps({"chat_template": spaced}))
    driver.compile(folder, out, check=True)
    assert compiled_template(out) == "llama2"
    changed = spaced.replace("[INST]", "[INSTR]")
    (folder / "tokenizer_config.json").write_text(json.dumps({"chat_template": changed}))
    assert driver.compile(folder, out).returncode == 1


@pytest.mark.llmc
def test_llm_run_chat_prompt_feeds_the_formatted_prompt(tmp_path):
    cxx = cxx_or_skip("g++")
    folder = hf_folder(tmp_path / "hf", 32000, (TEMPLATES / "zephyr.jinja").read_text())
    (folder / "tokenizer.model").write_bytes(LLAMA2_MODEL.read_bytes())
    out = tmp_path / "out"
    driver.compile(folder, out, check=True)
    build = driver.build(out, cxx)
    proc = llmc_chat(out / "tokenizer.bin", [("system", "Be brief."), ("user", "Hi there")],
                     "--generation-prompt", "--ids")
    assert proc.returncode == 0, proc.stderr.decode()
    prompt = [int(i) for i in proc.stdout.split()]
    dump = tmp_path / "chat.f32"
    chat = driver.run_raw(build, "--system", "Be brief.", "--chat-prompt", "Hi there",
                          "--steps", "2", "--temperature", "0", "--print-token-ids",
                          "--ignore-eos", "--dump-logits", str(dump), "--weights",
                          str(out / "weights.bin"), "--tokenizer", str(out / "tokenizer.bin"))
    assert chat.returncode == 0, chat.stderr
    ids, logits = driver.run(build, prompt, 2, out)
    assert driver._parse_ids(chat.stdout) == ids
    np.testing.assert_array_equal(np.fromfile(dump, dtype="<f4").reshape(logits.shape), logits)
    # A model compiled without a chat template says so.
    driver.compile(folder, tmp_path / "plain", "--chat-template", "none", check=True)
    plain = driver.run_raw(build, "--chat-prompt", "Hi", "--weights", str(out / "weights.bin"),
                           "--tokenizer", str(tmp_path / "plain" / "tokenizer.bin"))
    assert plain.returncode == 1
    assert "the model has no chat template" in plain.stderr
    usage = driver.run_raw(build, "--system", "S", "--prompt", "x")
    assert usage.returncode == 2 and "--system goes with --chat-prompt" in usage.stderr


@pytest.mark.llmc
def test_bad_tokenizer_configs_are_clear_errors(tmp_path):
    folder = hf_folder(tmp_path / "hf", 32000, None)
    (folder / "tokenizer.model").write_bytes(LLAMA2_MODEL.read_bytes())
    config = folder / "tokenizer_config.json"
    for content, message in [
            ({"chat_template": 5}, "'chat_template' is neither a string nor a list of named "
                                   "templates"),
            ({"chat_template": [{"name": "tool_use", "template": "x"}]},
             "'chat_template' lists no template named 'default'"),
            ([], "is not a JSON object")]:
        config.write_text(json.dumps(content))
        proc = driver.compile(folder, tmp_path / "out")
        assert proc.returncode == 1 and not (tmp_path / "out").exists()
        assert f"{config}: {message}" in proc.stderr, proc.stderr
    config.write_text("{")
    proc = driver.compile(folder, tmp_path / "out")
    assert proc.returncode == 1 and str(config) in proc.stderr
