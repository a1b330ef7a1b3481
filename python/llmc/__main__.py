"""Command line for the helpers: python -m llmc COMMAND ...

  random-model NAME DIR          write one of hf_models.TEST_SPECS (names: `list-models`)
  list-models
  convert-llama2c CHECKPOINT DIR llama2.c checkpoint -> Hugging Face folder
  reference DIR IDS              transformers float32 argmax per row, IDS like 1,2,3
"""

import sys


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    cmd, args = argv[0], argv[1:]
    if cmd == "list-models":
        from llmc.hf_models import TEST_SPECS
        print("\n".join(TEST_SPECS))
    elif cmd == "random-model" and len(args) == 2:
        from llmc.hf_models import TEST_SPECS, write_random_llama
        print(write_random_llama(args[1], TEST_SPECS[args[0]]))
    elif cmd == "convert-llama2c" and len(args) == 2:
        from llmc.llama2c import to_hf_folder
        print(to_hf_folder(args[0], args[1]))
    elif cmd == "reference" and len(args) == 2:
        from llmc.reference import hf_logits
        logits = hf_logits(args[0], [int(t) for t in args[1].split(",")])
        print(" ".join(str(int(i)) for i in logits.argmax(1)))
    else:
        print(f"llmc: bad command line: {' '.join(argv)}\n\n{__doc__.strip()}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
