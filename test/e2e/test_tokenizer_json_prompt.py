"""llm-run --prompt on a Hugging Face folder whose only tokenizer is a byte-level tokenizer.json.

The tokenizer is a small BPE trained with the tokenizers library in Llama 3's shape (Split on
Llama 3's pattern, ByteLevel, special tokens, BOS by a TemplateProcessing); the model is a random
Llama with its vocabulary size. The prompt text must reach the model as the ids tokenizers gives:
the logits of `--prompt TEXT` equal those of `--tokens` with tokenizers' ids.
"""

import numpy as np
import pytest

from conftest import cxx_or_skip
from llmc import driver, hf_models

tokenizers = pytest.importorskip("tokenizers")

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"]
PROMPT = "Hello world, it's Việt 2024<|eot_id|> again"


def train_tokenizer(path):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    corpus = ["Hello world, it's a small world.", "Việt Nam 2024 and 1999", "again and again"] * 20
    tok.train_from_iterator(corpus, trainer)
    bos = tok.token_to_id(SPECIALS[0])
    tok.post_processor = processors.TemplateProcessing(
        single=f"{SPECIALS[0]} $A", special_tokens=[(SPECIALS[0], bos)])
    tok.save(str(path))
    return tok


@pytest.mark.llmc
def test_prompt_through_tokenizer_json(tmp_path):
    cxx = cxx_or_skip("g++")
    folder = tmp_path / "hf"
    folder.mkdir()
    tok = train_tokenizer(folder / "tokenizer.json")
    vocab = tok.get_vocab_size()
    hf_models.write_random_llama(folder, hf_models.LlamaSpec(
        hidden_size=32, intermediate_size=64, num_heads=2, vocab_size=vocab,
        max_position_embeddings=64))
    assert not (folder / "tokenizer.model").exists()
    out = tmp_path / "out"
    proc = driver.compile(folder, out)
    assert proc.returncode == 0, proc.stderr
    build = driver.build(out, cxx)
    expected = tok.encode(PROMPT).ids
    assert expected[0] == tok.token_to_id(SPECIALS[0])
    assert tok.token_to_id("<|eot_id|>") in expected  # the special token's text is that token
    ids_text, logits_text = driver.run(build, PROMPT, 2, out, vocab_size=vocab)
    ids_ref, logits_ref = driver.run(build, expected, 2, out)
    assert ids_text == ids_ref
    assert logits_text.shape == logits_ref.shape  # as many prompt tokens
    np.testing.assert_array_equal(logits_text, logits_ref)
