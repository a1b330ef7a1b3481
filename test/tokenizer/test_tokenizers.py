"""llmc's tokenizers against the reference libraries, byte for byte (python3 -m pytest test/tokenizer).

Each tokenizer file goes through llmc's importer, tokenizer.bin and the runtime's encoder and
decoder (build/bin/llmc-tokenize) and must give the ids the reference gives on a corpus of ASCII,
CJK, emoji, combining marks, whitespace runs, digits, code, contractions and seeded random UTF-8;
the ids must decode back to the text's bytes.

  - Llama 3's tiktoken tokenizer.model (from the llama-models package; never copied into the
    repository) against tiktoken, built as Meta's llama_models/llama3/tokenizer.py builds it;
  - the same vocabulary as a tokenizer.json (transformers' TikTokenConverter) against tokenizers;
  - the same vocabulary in a GGUF file (tokenizer.ggml.model gpt2, pre llama-bpe) through
    llmc compile, against tiktoken;
  - Llama 2's tokenizer.model (models/llama2-tokenizer) against sentencepiece, and as a
    tokenizer.json (transformers' LlamaTokenizerFast conversion) against tokenizers.
"""

from __future__ import annotations

import json
import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from llmc.testing import llmc_tokenize as tool, meta_llama3_tokenizer, require_llmc_tokenize

REPO = Path(__file__).resolve().parents[2]
LLAMA2_MODEL = REPO / "models" / "llama2-tokenizer" / "tokenizer.model"

tiktoken = pytest.importorskip("tiktoken")
tokenizers = pytest.importorskip("tokenizers")
sentencepiece = pytest.importorskip("sentencepiece")
pytest.importorskip("llama_models.llama3.tokenizer")


@pytest.fixture(scope="module", autouse=True)
def _tool_built():
    require_llmc_tokenize()


def llmc_encode(tokenizer: Path, texts: list[str], bos: bool = False):
    """(ids, decoded bytes) for each text, from llmc-tokenize."""
    data = b"".join(struct.pack("<I", len(t.encode())) + t.encode() for t in texts)
    proc = subprocess.run([str(tool()), str(tokenizer)] + (["--bos"] if bos else []),
                          input=data, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    results = []
    for line in proc.stdout.decode().splitlines():
        assert not line.startswith("error"), line
        ids, decoded = line.split("\t")
        results.append(([int(i) for i in ids.split()], bytes.fromhex(decoded)))
    assert len(results) == len(texts)
    return results


def random_utf8(rng: random.Random, length: int) -> str:
    """Code points from every plane (no surrogates), mixed with ASCII letters, digits, spaces and
    newlines so that the pre-tokenizer's alternatives all meet them."""
    chars = []
    for _ in range(length):
        kind = rng.random()
        if kind < 0.3:
            chars.append(rng.choice("abcXYZ019 \t\n\r'.,!-_"))
        elif kind < 0.6:
            chars.append(chr(rng.randint(0x80, 0x2FFF)))
        else:
            cp = rng.randint(0x3000, 0x10FFFF)
            chars.append(chr(cp if not 0xD800 <= cp < 0xE000 else cp + 0x800))
    return "".join(chars)


CORPUS = [
    "Hello world", "Once upon a time, there was a little girl.", "", " ", "a",
    " Việt Nam", "Tiếng Việt có dấu", "naïve café résumé", "e\u0301 a\u0308 n\u0303\u0303",
    "日本語のテキストです。", "中文分词测试，标点！", "한국어 텍스트", "Привет, мир", "مرحبا بالعالم",
    "😀👍🏽👨‍👩‍👧‍👦 🇫🇷", "tab\tsep\tvalues\t", "  leading and trailing   ", "a  b   c    d",
    "line1\nline2\r\nline3\r\n\r\n\n  \n", "\n\n\n", " \n \n", "x \r\n y", "   \t \u00a0\u3000x",
    "1 12 123 1234 12345 123456", "3.14159 2,718 1e-10 0x1F", "٣٤٥ ①② Ⅷ", "phone: 555-0123",
    "def f(x):\n    return x ** 2  # square\n", "if (a && b) { c->d[i] += 1; }",
    "<html><body class=\"x\">&amp;</body></html>", "SELECT * FROM t WHERE id = 'a''b';",
    "DON'T WON'T I'M YOU'LL WE'D THEY'RE I'VE IT'S", "don't won't i'm you'll we'd they're",
    "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'Ve 'ſ 'x 'ſo 'LLama 'dx", "rock'n'roll ''quoted'' '", "Ωmega ſtraße ǅ",
    "!!!???...,,, ;;; ::", "a\u200bb\u200dc", "\x00\x01\x1f\x7f", "ẞ ß İ ı ǈ",
] + [random_utf8(random.Random(seed), random.Random(seed + 1000).randint(1, 40))
     for seed in range(200)]

# Texts with special tokens, which every source here reads as whole tokens except SentencePiece.
SPECIAL_TEXTS = [
    "<|begin_of_text|>Hello<|eot_id|>",
    "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>",
    "x<|reserved_special_token_10|>y<|reserved_special_token_1|>",
    "<|begin_of_text|<|eot_id|>>",
]


@pytest.fixture(scope="module")
def llama3():
    """Meta's tokenizer object (tiktoken inside) and its tokenizer.model."""
    return meta_llama3_tokenizer()


@pytest.fixture(scope="module")
def llama3_json(llama3, tmp_path_factory) -> Path:
    from transformers.convert_slow_tokenizer import TikTokenConverter
    meta, path = llama3
    converted = TikTokenConverter(vocab_file=str(path), pattern=meta.pat_str,
                                  extra_special_tokens=list(meta.special_tokens)).converted()
    out = tmp_path_factory.mktemp("llama3") / "tokenizer.json"
    converted.save(str(out))
    return out


@pytest.fixture(scope="module")
def llama2_json(tmp_path_factory) -> Path:
    from transformers import LlamaTokenizerFast
    folder = tmp_path_factory.mktemp("llama2")
    (folder / "tokenizer.model").write_bytes(LLAMA2_MODEL.read_bytes())
    LlamaTokenizerFast.from_pretrained(str(folder)).save_pretrained(str(folder / "out"))
    return folder / "out" / "tokenizer.json"


def check_round_trip(texts, results):
    for text, (ids, decoded) in zip(texts, results):
        assert decoded == text.encode(), f"{text!r} -> {ids} decodes to {decoded!r}"


def check_ids(texts, results, reference):
    for text, (ids, _) in zip(texts, results):
        expected = reference(text)
        assert ids == expected, f"{text!r}: llmc {ids}\n  reference {expected}"


def test_llama3_tiktoken_model_matches_tiktoken(llama3):
    meta, path = llama3
    results = llmc_encode(path, CORPUS + SPECIAL_TEXTS)
    check_ids(CORPUS + SPECIAL_TEXTS, results,
              lambda t: meta.model.encode(t, allowed_special="all"))
    check_round_trip(CORPUS, results)
    bos = llmc_encode(path, ["Hello world"], bos=True)[0][0]
    assert bos == meta.encode("Hello world", bos=True, eos=False)


def test_llama3_tokenizer_json_matches_tokenizers(llama3_json):
    reference = tokenizers.Tokenizer.from_file(str(llama3_json))
    results = llmc_encode(llama3_json, CORPUS + SPECIAL_TEXTS)
    check_ids(CORPUS + SPECIAL_TEXTS, results,
              lambda t: reference.encode(t, add_special_tokens=False).ids)
    check_round_trip(CORPUS, results)


def test_llama2_tokenizer_model_matches_sentencepiece():
    sp = sentencepiece.SentencePieceProcessor(model_file=str(LLAMA2_MODEL))
    texts = CORPUS + SPECIAL_TEXTS + ["<s>hi</s>"]  # specials are plain text to sentencepiece
    results = llmc_encode(LLAMA2_MODEL, texts)
    check_ids(texts, results, sp.encode)


def test_llama2_tokenizer_json_matches_tokenizers_and_sentencepiece(llama2_json):
    reference = tokenizers.Tokenizer.from_file(str(llama2_json))
    texts = CORPUS + ["<s>hi</s>", "Hello<s>world", "<unk>"]
    results = llmc_encode(llama2_json, texts)
    check_ids(texts, results, lambda t: reference.encode(t, add_special_tokens=False).ids)
    # The two references disagree where the text starts with a space or has runs of spaces
    # (Metaspace prepends U+2581 only to text that has none, and merges across spaces); wherever
    # they agree, llmc gives those ids too.
    sp = sentencepiece.SentencePieceProcessor(model_file=str(LLAMA2_MODEL))
    agreeing = [(text, ids) for text, (ids, _) in zip(texts, results)
                if sp.encode(text) == reference.encode(text, add_special_tokens=False).ids]
    assert len(agreeing) > len(texts) // 2
    for text, ids in agreeing:
        assert ids == sp.encode(text), text


def test_unicode_classes_are_the_generators_output():
    unicodedata2 = pytest.importorskip("unicodedata2")
    assert unicodedata2.unidata_version == "16.0.0", "scripts/setup.sh pins unicodedata2==16.0.0"
    generated = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_unicode_classes.py")],
                               capture_output=True, text=True, check=True).stdout
    assert generated == (REPO / "runtime" / "unicode_classes.cpp").read_text(), \
        "runtime/unicode_classes.cpp differs from scripts/gen_unicode_classes.py's output"


def test_bad_tokenizer_files_are_clear_errors(tmp_path, llama3_json):
    def error_of(name: str, content) -> str:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        proc = subprocess.run([str(tool()), str(path)], input=b"", capture_output=True)
        assert proc.returncode == 1, proc.stdout
        message = proc.stderr.decode()
        assert str(path) in message, message
        return message

    assert "not valid JSON" in error_of("tokenizer.json", '{"model": {"type": "BPE",')
    document = json.loads(llama3_json.read_text())
    document["model"]["merges"][3] = ["Ġ", "not-a-token"]
    assert "merge 3 ('Ġ' 'not-a-token') names 'not-a-token', which is not in the vocabulary" in \
        error_of("merges.json", json.dumps(document))
    assert "model type 'Unigram' is not supported" in error_of(
        "unigram.json", '{"model": {"type": "Unigram", "vocab": []}}')
    assert "neither a tiktoken BPE file" in error_of("tokenizer.model", b"\x00\x01 not a model")
    assert "rank 5 where 1 comes next" in error_of("ranks.model", "IQ== 0\nIg== 5\n")


def test_llama3_gguf_gpt2_vocabulary_matches_tiktoken(llama3, llama3_json, tmp_path):
    """A Llama 3 GGUF's vocabulary (tokenizer.ggml.model gpt2, pre llama-bpe, written as
    convert_hf_to_gguf.py writes it) through llmc compile's tokenizer.bin, against tiktoken."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from llmc import driver, gguf_export
    meta, _ = llama3
    config = transformers.LlamaConfig(
        vocab_size=meta.n_words, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=1, bos_token_id=meta.bos_id,
        eos_token_id=meta.eos_id, tie_word_embeddings=True)
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(config).save_pretrained(str(tmp_path / "hf"))
    gguf = gguf_export.write_gguf(tmp_path / "hf", tmp_path / "llama3.gguf",
                                  tokenizer_json=llama3_json)
    driver.compile(gguf, tmp_path / "out", check=True)
    results = llmc_encode(tmp_path / "out" / "tokenizer.bin", CORPUS + SPECIAL_TEXTS)
    check_ids(CORPUS + SPECIAL_TEXTS, results,
              lambda t: meta.model.encode(t, allowed_special="all"))
    check_round_trip(CORPUS, results)
    bos = llmc_encode(tmp_path / "out" / "tokenizer.bin", ["Hello world"], bos=True)[0][0]
    assert bos == meta.encode("Hello world", bos=True, eos=False)
