// pretokenize.cpp - UTF-8 checks and Llama 3's pre-tokenizer, by hand over code points.
//
// The pattern Llama 3 ships (tiktoken's pat_str, tokenizer.json's Split regex):
//
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
//   \s*[\r\n]+|\s+(?!\S)|\s+
//
// A backtracking engine tries the alternatives in order at each position and takes the first
// that matches; llmrt_llama3_pretoken_end spells out what each one matches there. The classes
// \p{L}, \p{N} and \s come from unicode_classes.cpp.
#include "runtime/llmrt.h"

LLMRT_NAMESPACE_BEGIN

namespace {

llmrt_cp_class class_of(uint32_t cp) {
  if (cp < 0x80) {  // ASCII without the search: most text is
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return LLMRT_CP_LETTER;
    if (cp >= '0' && cp <= '9') return LLMRT_CP_NUMBER;
    if (cp == ' ' || (cp >= '\t' && cp <= '\r')) return LLMRT_CP_SPACE;
    return LLMRT_CP_OTHER;
  }
  return llmrt_code_point_class(cp);
}

// The text as a cursor over code points with their classes.
struct Cursor {
  const char* text;
  size_t len;

  bool at_end(size_t pos) const { return pos >= len; }
  // The code point at pos (which is < len) and where the next starts.
  size_t next(size_t pos, uint32_t* cp) const { return llmrt_utf8_decode(text, pos, cp); }
  // Where the run of code points of class `cls` starting at pos ends (pos if none).
  size_t skip_class(size_t pos, llmrt_cp_class cls) const {
    uint32_t cp;
    while (!at_end(pos)) {
      size_t after = next(pos, &cp);
      if (class_of(cp) != cls) break;
      pos = after;
    }
    return pos;
  }
};

bool is_newline(uint32_t cp) { return cp == '\r' || cp == '\n'; }

// Lower-case ASCII letter c, or 0; U+017F (long s) folds to 's' as case-insensitive regex
// matching has it.
uint32_t folded_letter(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp - 'A' + 'a';
  if (cp >= 'a' && cp <= 'z') return cp;
  if (cp == 0x17F) return 's';
  return 0;
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d) at pos (an apostrophe): the end of the match, or 0.
size_t contraction_end(const Cursor& c, size_t pos) {
  uint32_t cp;
  size_t after_quote = c.next(pos, &cp);
  if (c.at_end(after_quote)) return 0;
  uint32_t first;
  size_t after_first = c.next(after_quote, &first);
  first = folded_letter(first);
  if (first == 's' || first == 't' || first == 'm' || first == 'd') return after_first;
  if (first != 'r' && first != 'v' && first != 'l') return 0;
  if (c.at_end(after_first)) return 0;
  uint32_t second;
  size_t after_second = c.next(after_first, &second);
  second = folded_letter(second);
  if ((first == 'r' || first == 'v') && second == 'e') return after_second;
  if (first == 'l' && second == 'l') return after_second;
  return 0;
}

}  // namespace

size_t llmrt_utf8_decode(const char* text, size_t pos, uint32_t* out_cp) {
  const unsigned char* s = reinterpret_cast<const unsigned char*>(text) + pos;
  if (s[0] < 0x80) {
    *out_cp = s[0];
    return pos + 1;
  }
  if (s[0] < 0xE0) {
    *out_cp = (uint32_t(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    return pos + 2;
  }
  if (s[0] < 0xF0) {
    *out_cp = (uint32_t(s[0] & 0x0F) << 12) | (uint32_t(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    return pos + 3;
  }
  *out_cp = (uint32_t(s[0] & 0x07) << 18) | (uint32_t(s[1] & 0x3F) << 12) |
            (uint32_t(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
  return pos + 4;
}

size_t llmrt_utf8_valid_prefix(const char* text, size_t len) {
  const unsigned char* s = reinterpret_cast<const unsigned char*>(text);
  size_t i = 0;
  while (i < len) {
    unsigned char b = s[i];
    size_t n;
    uint32_t min;
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xC2 && b < 0xE0) {
      n = 2;
      min = 0x80;
    } else if (b >= 0xE0 && b < 0xF0) {
      n = 3;
      min = 0x800;
    } else if (b >= 0xF0 && b < 0xF5) {
      n = 4;
      min = 0x10000;
    } else {
      return i;  // a continuation byte, an overlong two-byte lead (C0, C1) or F5..FF
    }
    if (len - i < n) return i;
    for (size_t k = 1; k < n; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
    }
    uint32_t cp;
    llmrt_utf8_decode(text, i, &cp);
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return i;
    i += n;
  }
  return len;
}

size_t llmrt_llama3_pretoken_end(const char* text, size_t len, size_t start) {
  const Cursor c = {text, len};
  uint32_t cp0;
  const size_t after0 = c.next(start, &cp0);
  const llmrt_cp_class cls0 = class_of(cp0);

  // (?i:'s|'t|'re|'ve|'m|'ll|'d)
  if (cp0 == '\'') {
    size_t end = contraction_end(c, start);
    if (end != 0) return end;
  }
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (cls0 == LLMRT_CP_LETTER) return c.skip_class(after0, LLMRT_CP_LETTER);
  if (cls0 != LLMRT_CP_NUMBER && !is_newline(cp0)) {
    size_t end = c.skip_class(after0, LLMRT_CP_LETTER);
    if (end != after0) return end;
  }
  // \p{N}{1,3}
  if (cls0 == LLMRT_CP_NUMBER) {
    size_t end = after0;
    for (int n = 1; n < 3 && !c.at_end(end); ++n) {
      uint32_t cp;
      size_t after = c.next(end, &cp);
      if (class_of(cp) != LLMRT_CP_NUMBER) break;
      end = after;
    }
    return end;
  }
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  size_t symbols = cp0 == ' ' ? after0 : start;
  size_t end = c.skip_class(symbols, LLMRT_CP_OTHER);
  if (end != symbols) {
    uint32_t cp;
    while (!c.at_end(end)) {
      size_t after = c.next(end, &cp);
      if (!is_newline(cp)) break;
      end = after;
    }
    return end;
  }
  // What is left starts with whitespace: the three alternatives over its run.
  size_t run_end = start;
  size_t last_newline_end = 0;  // after the run's last \r or \n, 0 if none
  size_t last_start = start;    // where the run's last code point starts
  while (!c.at_end(run_end)) {
    uint32_t cp;
    size_t after = c.next(run_end, &cp);
    if (class_of(cp) != LLMRT_CP_SPACE) break;
    if (is_newline(cp)) last_newline_end = after;
    last_start = run_end;
    run_end = after;
  }
  // \s*[\r\n]+ : up to the run's last newline.
  if (last_newline_end != 0) return last_newline_end;
  // \s+(?!\S) : the whole run at the end of the text, else all but its last code point.
  if (c.at_end(run_end)) return run_end;
  if (last_start != start) return last_start;
  // \s+
  return run_end;
}

LLMRT_NAMESPACE_END
