#!/usr/bin/env python3
"""Writes a synthetic chat fine-tuning dataset of about SIZE_MIB mebibytes to PATH.

Deterministic for a given seed: multi-turn conversations with a long system prompt repeated on
every line, a tool definition on one line in five, and text mixing English, CJK, accents,
emoji and code-like tokens.

    python3 benches/generate.py SIZE_MIB PATH [SEED]
"""
import json
import random
import sys


def main() -> None:
    size_mib, path = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    target = size_mib * 1024 * 1024
    system = ("You are Marv, a factual assistant for the support desk of a hardware store. "
              "Answer briefly and cite the aisle. ") * 3
    tools = [{"type": "function", "function": {
        "name": "lookup_stock", "description": "Stock of an item by SKU",
        "parameters": {"type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]}}}]
    words = ("the a hammer nail screw drill aisle price stock order return warranty "
             "東京 日本語 café naïve emoji 😀 function { } ( ) ; let x = 1").split()

    def text(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n))

    size = examples = 0
    with open(path, "w", encoding="utf-8") as out:
        while size < target:
            messages = [{"role": "system", "content": system}]
            for _ in range(rng.randint(1, 4)):
                messages.append({"role": "user", "content": text(rng.randint(5, 60))})
                messages.append({"role": "assistant", "content": text(rng.randint(10, 300))})
            example = {"messages": messages}
            if examples % 5 == 0:
                example["tools"] = tools
            line = json.dumps(example, ensure_ascii=False) + "\n"
            out.write(line)
            size += len(line.encode())
            examples += 1
    print(f"{examples} examples, {size} bytes")


if __name__ == "__main__":
    main()
