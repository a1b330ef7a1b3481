//===- TokenizerFiles.cpp - a tokenizer file, whatever its format ---------===//

#include "compiler/Importer/TokenizerFiles.h"
#include "compiler/Importer/ImporterUtil.h"
#include "compiler/Importer/SentencePiece.h"
#include "compiler/Importer/Tiktoken.h"
#include "compiler/Importer/TokenizerJSON.h"

using namespace llmc;
using llvm::StringRef;

llvm::Expected<Vocabulary> llmc::readTokenizerModel(StringRef path) {
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> file = mapFile(path);
  if (!file)
    return file.takeError();
  StringRef bytes = (*file)->getBuffer();
  if (looksLikeTiktoken(bytes))
    return parseTiktokenModel(bytes, path);
  llvm::Expected<Vocabulary> vocab = parseSentencePieceModel((*file)->getMemBufferRef(), path);
  if (vocab)
    return vocab;
  // A file that parses as a ModelProto but is no SentencePiece model says why; one that does not
  // parse is neither format.
  std::string why = llvm::toString(vocab.takeError());
  if (!StringRef(why).contains("did not parse"))
    return fileError(path, StringRef(why).drop_front(path.size() + 2));
  return fileError(path, "neither a tiktoken BPE file (line 1 is not 'base64-token rank') nor a "
                         "SentencePiece model (protobuf ModelProto did not parse)");
}

llvm::Expected<Vocabulary> llmc::readTokenizerFile(StringRef path) {
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> file = mapFile(path);
  if (!file)
    return file.takeError();
  StringRef bytes = (*file)->getBuffer();
  if (bytes.ltrim().starts_with("{"))
    return parseTokenizerJSON(bytes, path);
  return readTokenizerModel(path);
}
