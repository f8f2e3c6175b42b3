#!/usr/bin/env python3
"""Benchmark inputs for bench/embed-e5: writes OUT_DIR/queries.txt and OUT_DIR/reviews.txt.

queries.txt: the first 256 distinct customer questions of the Taobao service dialogues
(../shared/data/taobao-dialogue/question_answer.txt, Apache-2.0; word-segmentation spaces removed).
reviews.txt: 256 Chinese product reviews of 2-4 sentences, assembled deterministically (seeded) from the
sentences below; the same texts on every run.
"""
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIALOGUES = ROOT.parent / "shared" / "data" / "taobao-dialogue" / "question_answer.txt"

SENTENCES = [
    "质量很好，做工精细，和图片上的一模一样。", "物流很快，第二天就收到了，包装也很严实。",
    "尺码偏小，建议大家买大一号，不过版型很好看。", "面料有点薄，洗了一次就起球了，有点失望。",
    "客服态度非常好，有问必答，耐心解决了我的问题。", "价格实惠，性价比很高，已经推荐给朋友了。",
    "颜色有色差，实物比图片暗一些，勉强可以接受。", "用了一个星期，电池续航还不错，充电也快。",
    "味道很正宗，孩子很喜欢吃，下次还会回购。", "发货太慢了，等了五天才发出，体验很差。",
    "收到的时候盒子压坏了，里面的东西倒是没事。", "第二次购买了，一如既往的好，值得信赖。",
    "穿着很舒服，不磨脚，走路一整天也不累。", "屏幕清晰，运行流畅，玩游戏一点也不卡。",
    "退货流程太麻烦，联系客服半天没人回复。", "赠品很贴心，老板人很好，五星好评！",
]


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    seen, queries = set(), []
    for line in DIALOGUES.read_text(encoding="utf-8", errors="replace").splitlines():
        q = line.split("\t")[0].replace(" ", "").strip()
        if q and q not in seen:
            seen.add(q)
            queries.append(q)
        if len(queries) == 256:
            break
    rng = random.Random(20261201)
    reviews = ["".join(rng.sample(SENTENCES, rng.randint(2, 4))) for _ in range(256)]
    (out_dir / "queries.txt").write_text("\n".join(queries) + "\n", encoding="utf-8")
    (out_dir / "reviews.txt").write_text("\n".join(reviews) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
