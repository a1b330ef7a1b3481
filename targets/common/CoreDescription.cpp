//===- CoreDescription.cpp - the cores `llmc compile --cores` plans for ---===//
#include "targets/common/CoreDescription.h"

#include "llvm/ADT/SmallVector.h"

#include <cmath>

using namespace llvm;

namespace llmc {
namespace {

Error invalid(const Twine &why) { return createStringError(inconvertibleErrorCode(), why); }

/// A count of cores: a positive integer.
Expected<int64_t> parseCount(StringRef text, StringRef where) {
  int64_t count = 0;
  if (text.empty() || text.getAsInteger(10, count))
    return invalid("'" + where + "': the count of cores must be an integer, got '" + text + "'");
  if (count < 1)
    return invalid("'" + where + "': the count of cores must be at least 1, got " + text);
  return count;
}

} // namespace

Expected<CoreDescription> parseCoreDescription(StringRef text, int64_t maxCores) {
  CoreDescription cores;
  if (!text.contains('x')) {
    Expected<int64_t> count = parseCount(text, text);
    if (!count)
      return count.takeError();
    cores.count = *count;
  } else {
    SmallVector<StringRef> groups;
    text.split(groups, ',');
    for (StringRef group : groups) {
      if (group.empty())
        return invalid("an empty group of cores: groups are COUNTxSPEED separated by commas, "
                       "e.g. 4x1.0,4x2.0");
      auto [countText, speedText] = group.split('x');
      Expected<int64_t> count = parseCount(countText, group);
      if (!count)
        return count.takeError();
      double speed = 0;
      if (speedText.empty() || speedText.getAsDouble(speed))
        return invalid("'" + group + "': the speed after 'x' must be a number, got '" +
                       speedText + "'");
      if (!(speed > 0) || !std::isfinite(speed))
        return invalid("'" + group + "': the speed must be above 0, got " + speedText);
      if (*count > maxCores - cores.count)
        return invalid("more than " + Twine(maxCores) + " cores");
      cores.count += *count;
      cores.speeds.insert(cores.speeds.end(), size_t(*count), speed);
    }
  }
  if (cores.count > maxCores)
    return invalid(Twine(cores.count) + " cores, more than " + Twine(maxCores));
  return cores;
}

} // namespace llmc
