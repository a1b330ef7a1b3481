// utf8_stream.cpp - token bytes to text pieces that never end inside a UTF-8 character.
//
// A byte-level or byte-fallback token may hold part of a character, which later tokens complete;
// a streamed piece written to a terminal (or handed to a UI) must not end there. The stream holds
// back a trailing sequence that is valid so far but incomplete, and lets everything else go.
// Bytes that cannot become a valid character pass through unchanged, as soon as that is known:
// the pieces put together are exactly the tokens' bytes, as llama2.c's run and llama.cpp print
// them, so text and ids stay interchangeable; a caller that needs valid UTF-8 replaces what is
// invalid itself (Python's bytes.decode(errors="replace") gives what Hugging Face's decode does).
#include "runtime/llmrt.h"

LLMRT_NAMESPACE_BEGIN

namespace {

// The length of the character that lead byte b starts, or 0 if b cannot start one.
int sequence_length(unsigned char b) {
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return 2;
  if (b >= 0xE0 && b <= 0xEF) return 3;
  if (b >= 0xF0 && b <= 0xF4) return 4;
  return 0;
}

// Whether b may follow lead byte `lead` as its first continuation byte (Unicode's table 3-7:
// no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_second(unsigned char lead, unsigned char b) {
  unsigned char lo = 0x80, hi = 0xBF;
  if (lead == 0xE0) lo = 0xA0;
  if (lead == 0xED) hi = 0x9F;
  if (lead == 0xF0) lo = 0x90;
  if (lead == 0xF4) hi = 0x8F;
  return b >= lo && b <= hi;
}

// Whether s[0..n) is the start of a valid character that needs more bytes than n.
bool incomplete_prefix(const unsigned char* s, size_t n) {
  const int need = sequence_length(s[0]);
  if (need <= 1 || static_cast<size_t>(need) <= n) return false;
  for (size_t k = 1; k < n; ++k) {
    const bool ok = k == 1 ? valid_second(s[0], s[k]) : (s[k] & 0xC0) == 0x80;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool llmrt_utf8_stream_push(llmrt_utf8_stream* stream, const char* bytes, size_t len,
                            llm_text_callback emit, void* user_data) {
  const unsigned char* s = reinterpret_cast<const unsigned char*>(bytes);
  size_t i = 0;
  // Complete (or give up on) the held character first: its bytes go out in one piece.
  while (stream->n_held > 0 && i < len) {
    unsigned char* held = reinterpret_cast<unsigned char*>(stream->held);
    held[stream->n_held] = s[i];
    if (incomplete_prefix(held, stream->n_held + 1)) {
      ++stream->n_held;
      ++i;
      continue;
    }
    const size_t n = stream->n_held;
    const bool complete = sequence_length(held[0]) == static_cast<int>(n + 1) &&
                          (n > 1 || valid_second(held[0], s[i])) &&
                          (n == 1 || (s[i] & 0xC0) == 0x80);
    stream->n_held = 0;
    if (complete) {
      ++i;
      if (emit(stream->held, n + 1, user_data) != 0) return false;
    } else if (emit(stream->held, n, user_data) != 0) {  // invalid: passed through as it is
      return false;
    }
  }
  if (i == len) return true;
  // Hold back the last bytes if they start a character that the next token may complete.
  size_t end = len;
  const size_t lowest = len - i > 3 ? len - 3 : i;  // a held sequence is at most 3 bytes
  for (size_t start = len; start-- > lowest;) {
    if (incomplete_prefix(s + start, len - start)) {
      end = start;
      break;
    }
  }
  for (size_t k = end; k < len; ++k) stream->held[stream->n_held++] = bytes[k];
  return end == i || emit(bytes + i, end - i, user_data) == 0;
}

bool llmrt_utf8_stream_flush(llmrt_utf8_stream* stream, llm_text_callback emit, void* user_data) {
  const size_t n = stream->n_held;
  stream->n_held = 0;
  return n == 0 || emit(stream->held, n, user_data) == 0;
}

LLMRT_NAMESPACE_END
