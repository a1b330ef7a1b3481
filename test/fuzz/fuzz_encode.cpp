//===- fuzz_encode.cpp - libFuzzer target for the tokenizer's encode ------===//
//
// Encodes arbitrary bytes with valid tokenizers. The first byte holds options: bits 0-1 choose
// the tokenizer, bit 2 asks for BOS; the rest is the text. The tokenizers:
//   0  stories260K's tok512.bin, read by the compiler's llama2.c reader and written as the
//      compiler writes tokenizer.bin (so what ships is what is fuzzed); dummy prefix
//   1  the unit tests' small vocabulary (every byte, merges whose order matters), dummy prefix
//   2  the same without the dummy prefix
//   3  a few pieces, no byte tokens and no <unk>: most bytes cannot be spelled
// Every encode of up to kReferenceBytes must agree with a plain re-implementation of the rules
// (llmrt.h: characters to pieces or byte fallbacks, then merge the best-scoring pair, leftmost
// first), which is too slow for longer texts; for any text no two adjacent tokens may still
// merge, ids stay inside the vocabulary, and asking with too little room reports the count and
// writes a prefix. With tokenizers 0-2, which can spell every byte, decoding the tokens after
// BOS gives back the text (after the dummy prefix's space).
//
//===----------------------------------------------------------------------===//

#include "compiler/Emitter/TokenizerBlob.h"
#include "compiler/Importer/Llama2c.h"
#include "runtime/llmrt.h"
#include "test/fuzz/fuzz_checks.h"
#include "test/common/runtime_images.h"

#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

using llmc::fuzz::require;

constexpr int kTokenizers = 4;
constexpr size_t kReferenceBytes = 256;

struct Tokenizer {
  std::string bytes; // tokenizer.bin, which the tokenizer's pieces point into
  llmrt_tokenizer t;
  bool spellsEveryByte;
  std::map<std::string, int32_t> normalPieces; // the first normal token of each piece
};
Tokenizer tokenizers[kTokenizers];

std::string tok512() {
  const char *path = LLMC_SOURCE_DIR "/models/stories260K/tok512.bin";
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file = llvm::MemoryBuffer::getFile(path);
  require(bool(file), "cannot read models/stories260K/tok512.bin");
  llvm::Expected<llmc::Vocabulary> vocabulary =
      llmc::readLlama2cTokenizer((*file)->getMemBufferRef(), path, 512);
  require(bool(vocabulary), "the compiler refuses tok512.bin");
  return llmc::tokenizerBlobBytes(*vocabulary, /*idsOnly=*/false);
}

std::string testTokenizer(const std::vector<llmrt_test::TestToken> &tokens, uint32_t flags) {
  std::vector<unsigned char> bytes = llmrt_test::build_tokenizer(tokens, 1, 2, flags);
  return std::string(bytes.begin(), bytes.end());
}

void open(Tokenizer &tok, std::string bytes, bool spellsEveryByte) {
  tok.bytes = std::move(bytes);
  tok.spellsEveryByte = spellsEveryByte;
  char err[512] = "";
  if (llmrt_tokenizer_open_memory(tok.bytes.data(), tok.bytes.size(), "fuzz", &tok.t, err,
                                  sizeof err) != LLM_OK) {
    std::fprintf(stderr, "fuzz_encode: %s\n", err);
    __builtin_trap();
  }
  for (uint32_t id = tok.t.vocab_size; id-- > 0;)
    if (tok.t.types[id] == LLMRT_TOKEN_NORMAL)
      tok.normalPieces[std::string(tok.t.pieces[id], tok.t.piece_lengths[id])] = int32_t(id);
}

// ---- the rules again, plainly ------------------------------------------------------------------

int32_t normalPiece(const Tokenizer &tok, const std::string &text) {
  auto it = tok.normalPieces.find(text);
  return it == tok.normalPieces.end() ? -1 : it->second;
}

std::string pieceOf(const Tokenizer &tok, int32_t id) {
  return std::string(tok.t.pieces[id], tok.t.piece_lengths[id]);
}

/// The ids of `text`, or false if a byte has neither a token nor <unk>.
bool referenceEncode(const Tokenizer &tok, const std::string &text, bool addBos,
                     std::vector<int32_t> &ids) {
  ids.clear();
  if (addBos && tok.t.bos_id >= 0)
    ids.push_back(tok.t.bos_id);
  const size_t first = ids.size();
  std::vector<std::string> characters;
  // These tokenizers prefix always or never (the other modes belong to tokenizer.json's
  // SentencePiece form, which test/tokenizer checks against the reference library).
  require(tok.t.dummy_prefix == LLMRT_DUMMY_PREFIX_ALWAYS ||
              tok.t.dummy_prefix == LLMRT_DUMMY_PREFIX_NONE,
          "a dummy prefix mode the reference does not implement");
  if (tok.t.dummy_prefix == LLMRT_DUMMY_PREFIX_ALWAYS && !text.empty())
    characters.push_back(" ");
  // A lead byte and the continuation bytes (10xxxxxx) after it, at most four bytes.
  for (size_t i = 0; i < text.size();) {
    size_t end = i + 1;
    while (end < text.size() && end - i < 4 && (uint8_t(text[end]) >> 6) == 2)
      ++end;
    characters.push_back(text.substr(i, end - i));
    i = end;
  }
  for (const std::string &c : characters) {
    if (int32_t id = normalPiece(tok, c); id >= 0) {
      ids.push_back(id);
      continue;
    }
    for (char byte : c) {
      int32_t id = tok.t.byte_ids[uint8_t(byte)];
      if (id < 0)
        id = tok.t.unk_id;
      if (id < 0)
        return false;
      ids.push_back(id);
    }
  }
  for (;;) {
    size_t best = 0;
    int32_t bestId = -1;
    for (size_t i = first; i + 1 < ids.size(); ++i) {
      int32_t id = normalPiece(tok, pieceOf(tok, ids[i]) + pieceOf(tok, ids[i + 1]));
      if (id >= 0 && (bestId < 0 || tok.t.scores[id] > tok.t.scores[bestId])) {
        best = i;
        bestId = id;
      }
    }
    if (bestId < 0)
      return true;
    ids[best] = bestId;
    ids.erase(ids.begin() + best + 1);
  }
}

std::string decodeAll(const Tokenizer &tok, const std::vector<int32_t> &ids) {
  std::string text;
  int32_t prev = -1;
  for (int32_t id : ids) {
    size_t len = 0;
    const char *bytes = llmrt_tokenizer_decode(&tok.t, prev, id, &len);
    text.append(bytes, len);
    prev = id;
  }
  return text;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const std::vector<llmrt_test::TestToken> small = llmrt_test::small_vocab();
  const uint32_t N = LLMRT_TOKEN_NORMAL, C = LLMRT_TOKEN_CONTROL;
  open(tokenizers[0], tok512(), true);
  open(tokenizers[1], testTokenizer(small, LLMRT_TOKENIZER_ADD_DUMMY_PREFIX), true);
  open(tokenizers[2], testTokenizer(small, 0), true);
  open(tokenizers[3],
       testTokenizer({{"<pad>", 0, C}, {"<s>", 0, C}, {"</s>", 0, C}, {" ", 0, N}, {"a", 0, N},
                      {"b", 0, N}, {"ab", 1, N}, {" a", 2, N}, {"ba", 2, N}},
                     LLMRT_TOKENIZER_ADD_DUMMY_PREFIX),
       false);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  Tokenizer &tok = tokenizers[data[0] % kTokenizers];
  const bool addBos = data[0] & 4;
  const std::string text(reinterpret_cast<const char *>(data + 1), size - 1);

  // The count alone first, as a caller sizing its buffer does.
  int needed = -1;
  llm_status status =
      llmrt_tokenizer_encode(&tok.t, text.data(), text.size(), addBos, nullptr, 0, &needed);
  if (status == LLM_ERR_FORMAT) {
    require(needed == 0 && !tok.spellsEveryByte,
            "encode found no token for a byte of a vocabulary that has them all");
    return 0;
  }
  require(status == (needed == 0 ? LLM_OK : LLM_ERR_ARGUMENT), "encode without room");
  std::vector<int32_t> expected;
  const bool checkReference = text.size() <= kReferenceBytes;
  if (checkReference) {
    require(referenceEncode(tok, text, addBos, expected),
            "encode spelled a byte the vocabulary has no token for");
    require(needed == int(expected.size()), "encode counts other tokens than the rules give");
  }

  std::vector<int32_t> ids(needed + 1, -7);
  int count = -1;
  require(llmrt_tokenizer_encode(&tok.t, text.data(), text.size(), addBos, ids.data(), needed,
                                 &count) == LLM_OK &&
              count == needed,
          "encode fails with room for every token");
  require(ids[needed] == -7, "encode wrote past its room");
  ids.resize(needed);
  require(!checkReference || ids == expected, "encode gives other ids than the rules");
  const size_t first = addBos && tok.t.bos_id >= 0 ? 1 : 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    require(ids[i] >= 0 && uint32_t(ids[i]) < tok.t.vocab_size &&
                (tok.t.types[ids[i]] != LLMRT_TOKEN_CONTROL || i < first),
            "encode gives an id outside the vocabulary, or a control token");
    require(i < first || i + 1 == ids.size() ||
                normalPiece(tok, pieceOf(tok, ids[i]) + pieceOf(tok, ids[i + 1])) < 0,
            "encode leaves two tokens that merge");
  }

  if (needed > 0) {
    std::vector<int32_t> prefix(needed, -7);
    require(llmrt_tokenizer_encode(&tok.t, text.data(), text.size(), addBos, prefix.data(),
                                   needed - 1, &count) == LLM_ERR_ARGUMENT &&
                count == needed,
            "encode with one token too little room does not say how many it needs");
    require(std::equal(prefix.begin(), prefix.end() - 1, ids.begin()) && prefix.back() == -7,
            "encode with too little room writes other than the first tokens");
  }

  if (tok.spellsEveryByte) {
    // Decoding the tokens after BOS gives the dummy prefix's space, then the text. (After BOS,
    // decoding drops that space from a piece: the unit tests check that rule.)
    std::string spelled = text;
    if (tok.t.dummy_prefix == LLMRT_DUMMY_PREFIX_ALWAYS && !text.empty())
      spelled = " " + spelled;
    require(decodeAll(tok, std::vector<int32_t>(ids.begin() + first, ids.end())) == spelled,
            "decoding the ids does not give back the text");
  }
  return 0;
}
