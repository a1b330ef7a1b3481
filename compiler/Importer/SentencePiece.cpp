//===- SentencePiece.cpp - tokenizer.model (a SentencePiece ModelProto) ---===//

#include "compiler/Importer/SentencePiece.h"
#include "compiler/Importer/ImporterUtil.h"

#include "SentencePieceModel.pb.h"

#include <climits>

using namespace llmc;
using llvm::StringRef;

namespace {

using ProtoPiece = llmc::spm::ModelProto::SentencePiece;

Vocabulary::TokenType tokenType(ProtoPiece::Type type) {
  switch (type) {
  case ProtoPiece::UNKNOWN:
    return Vocabulary::TokenType::Unknown;
  case ProtoPiece::CONTROL:
  case ProtoPiece::UNUSED:
    return Vocabulary::TokenType::Control;
  case ProtoPiece::BYTE:
    return Vocabulary::TokenType::Byte;
  case ProtoPiece::NORMAL:
  case ProtoPiece::USER_DEFINED:
    return Vocabulary::TokenType::Normal;
  }
  return Vocabulary::TokenType::Normal;
}

} // namespace

llvm::Expected<Vocabulary> llmc::parseSentencePieceModel(llvm::MemoryBufferRef buffer,
                                                         StringRef path) {
  StringRef bytes = buffer.getBuffer();
  if (bytes.size() > size_t(INT_MAX))
    return fileError(path, "file is too large for a SentencePiece model");
  llmc::spm::ModelProto proto;
  if (!proto.ParseFromArray(bytes.data(), int(bytes.size())))
    return fileError(path, "not a SentencePiece model (protobuf ModelProto did not parse)");
  if (proto.pieces_size() == 0)
    return fileError(path, "SentencePiece model has no pieces");

  Vocabulary vocab;
  vocab.pieces.reserve(proto.pieces_size());
  for (const ProtoPiece &p : proto.pieces()) {
    Vocabulary::Piece piece;
    piece.text = unescapeSentencePieceSpaces(p.piece());
    piece.score = p.score();
    piece.type = tokenType(p.type());
    vocab.pieces.push_back(std::move(piece));
  }
  const llmc::spm::TrainerSpec &trainer = proto.trainer_spec();
  vocab.bosId = trainer.bos_id();
  vocab.eosId = trainer.eos_id();
  vocab.dummyPrefix = proto.normalizer_spec().add_dummy_prefix() ? Vocabulary::DummyPrefix::Always
                                                                : Vocabulary::DummyPrefix::None;
  if (llvm::Error err = checkVocabulary(vocab, path))
    return std::move(err);
  return vocab;
}

llvm::Expected<Vocabulary> llmc::readSentencePieceModel(StringRef path) {
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> file = mapFile(path);
  if (!file)
    return file.takeError();
  return parseSentencePieceModel((*file)->getMemBufferRef(), path);
}
