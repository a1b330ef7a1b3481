"""stories260K (llama2.c TinyStories): the checkpoint itself and its Hugging Face conversion,
against transformers and the independent numpy forward pass in llama2.c's conventions."""

import pytest

from conftest import STORIES_BIN, STORIES_TOK, random_prompt
from llmc import driver, llama2c, reference

pytestmark = [pytest.mark.llmc, pytest.mark.asan]


@pytest.fixture(scope="module")
def stories():
    cfg, w, _ = llama2c.read_checkpoint(STORIES_BIN)
    pieces, scores = llama2c.read_tokenizer(STORIES_TOK, cfg.vocab_size)
    return cfg, w, pieces, scores


def run_model(workspace, name, prompt, steps):
    return driver.run(workspace.built(name), prompt, steps, out=workspace.compiled(name))


def test_checkpoint_and_conversion_agree(workspace, stories):
    cfg, w, _, _ = stories
    prompt = [1] + random_prompt(cfg.vocab_size, 11, seed=7)
    ids_bin, logits_bin = run_model(workspace, "stories_bin", prompt, 16)
    ids_hf, logits_hf = run_model(workspace, "stories_hf", prompt, 16)
    assert ids_bin == ids_hf
    seq = prompt + ids_bin[:-1]
    driver.check_close(logits_bin, logits_hf, "llama2.c checkpoint vs converted HF folder")
    hf = reference.hf_logits(workspace.stories_hf(), seq)
    driver.check_close(logits_bin, hf, "llama2.c checkpoint vs transformers")
    driver.check_close(logits_hf, hf, "converted HF folder vs transformers")
    driver.check_close(logits_bin, llama2c.forward(cfg, w, seq), "checkpoint vs numpy llama2.c")


def test_greedy_text_from_bos(workspace, stories):
    cfg, w, pieces, _ = stories
    out = workspace.compiled("stories_bin")
    proc = driver.run_raw(workspace.built("stories_bin"), "--tokens", "1", "--steps", "30",
                          "--temperature", "0", "--weights", str(out / "weights.bin"),
                          "--tokenizer", str(out / "tokenizer.bin"))
    assert proc.returncode == 0, proc.stderr
    expected = llama2c.decode(pieces, llama2c.greedy(cfg, w, [1], 30))
    assert expected.startswith("Once upon a time")
    assert " ".join(expected.split()) in " ".join(proc.stdout.split()), proc.stdout


def test_prompt_is_encoded_like_llama2c(workspace, stories):
    """--prompt TEXT: BOS + run.c's BPE encoding, then the greedy continuation."""
    cfg, w, pieces, scores = stories
    text = "Once upon a time there was a dog"
    prompt = [1] + llama2c.encode(pieces, scores, text)
    ids, logits = driver.run(workspace.built("stories_bin"), text, 8,
                             out=workspace.compiled("stories_bin"), vocab_size=cfg.vocab_size)
    n_prompt = logits.shape[0] - len(ids) + 1
    assert n_prompt == len(prompt), f"prompt of {n_prompt} tokens; llama2.c encodes {prompt}"
    assert ids == llama2c.greedy(cfg, w, prompt, 8)
    driver.check_close(logits, llama2c.forward(cfg, w, prompt + ids[:-1]), "--prompt logits")


def test_v1_checkpoint_compiles_to_the_same_weights(workspace, stories, tmp_path):
    cfg, w, _, _ = stories
    v1 = tmp_path / "stories260K_v1.bin"
    llama2c.write_checkpoint(v1, cfg, w, version=1)
    out = tmp_path / "out"
    driver.compile(v1, out, "--tokenizer", str(STORIES_TOK), check=True)
    v0 = workspace.compiled("stories_bin")
    for f in ("weights.bin", "tokenizer.bin"):
        assert (out / f).read_bytes() == (v0 / f).read_bytes(), f
