#!/usr/bin/env bash
# The README's recommendation tables: every model's top-10 metrics on MovieLens-100k, the Instacart sample and
# Online Retail, from clv-recommend-bench (one process per row). Hyperparameters were chosen on validation
# splits carved out of the training part only (clv-recommend-bench --validate; for Online Retail the months
# before 2011-06-01 against June-August), never on the test part. Prints markdown.
# Usage: tools/recommend/measure.sh [BENCH_BINARY]   (needs `scripts/setup.sh` to have fetched the data)
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH="${1:-.build/release/clv-recommend-bench}"
CACHE="${CLV_CACHE:-$HOME/.cache/clvkit}"
DATA="${CLV_DATA:-$CACHE/data}"
RETAIL="${ONLINE_RETAIL:-../shared/data/online-retail/online_retail.csv}"
WORK="$CACHE/recommend-measure"
mkdir -p "$WORK"
for need in "$DATA/ml-100k/ml-100k.inter" "$DATA/instacart/df_sample.csv" "$RETAIL"; do
    [ -f "$need" ] || { echo "measure: $need is missing: run scripts/setup.sh (Online Retail: set ONLINE_RETAIL)" >&2; exit 1; }
done
[ -f "$WORK/instacart/train.csv" ] || python3 tools/recommend/instacart_matrix.py "$DATA/instacart/df_sample.csv" "$WORK/instacart"
[ -f "$WORK/online-retail/train.csv" ] || python3 tools/recommend/online_retail_matrix.py "$RETAIL" "$WORK/online-retail"

row() {
    local label="$1"; shift
    local json
    json=$("$BENCH" "$@")
    python3 -c "import json,sys; d=json.loads(sys.argv[1]); print('| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %d |' % (sys.argv[2], d['precision'], d['recall'], d['ndcg'], d['map'], d['coverage'], d['evaluated_users']))" "$json" "$label"
}
header() { echo; echo "$1"; echo; echo "| model | P@10 | R@10 | NDCG@10 | MAP@10 | coverage | users |"; echo "| --- | --- | --- | --- | --- | --- | --- |"; }

ML=(--input "$DATA/ml-100k/ml-100k.inter" --columns user_id,item_id)
ALS_ML=(--model als --factors 64 --regularization 20 --alpha 1 --iterations 15)
BPR_ML=(--model bpr --factors 64 --learning-rate 0.02 --regularization 0.02 --iterations 400 --threads 1)
header "MovieLens-100k, random stratified split per user (seed 42), every rating an interaction, seen items filtered"
for seed in 42 43 44; do
    row "ALS 75/25, seed $seed" "${ML[@]}" --split stratified:0.75 --seed "$seed" "${ALS_ML[@]}"
    row "BPR 75/25, seed $seed" "${ML[@]}" --split stratified:0.75 --seed "$seed" "${BPR_ML[@]}"
done
row "item-kNN cosine (K 20) 80/20" "${ML[@]}" --split stratified:0.8 --model knn-cosine --neighbours 20
row "item-kNN BM25 (K 20) 80/20" "${ML[@]}" --split stratified:0.8 --model knn-bm25 --neighbours 20
row "item-kNN TF-IDF (K 20) 80/20" "${ML[@]}" --split stratified:0.8 --model knn-tfidf --neighbours 20
row "popularity 80/20" "${ML[@]}" --split stratified:0.8 --model popularity
row "ALS 80/20" "${ML[@]}" --split stratified:0.8 "${ALS_ML[@]}"
row "BPR 80/20" "${ML[@]}" --split stratified:0.8 "${BPR_ML[@]}"

IC=(--input "$WORK/instacart/train.csv" --test "$WORK/instacart/test.csv" --columns user,item,count)
for mode in "" "--allow-repurchase"; do
    if [ -z "$mode" ]; then header "Instacart sample, each user's last order held out, products already bought filtered (new products only)"
    else header "Instacart sample, each user's last order held out, repurchases allowed (--allow-repurchase)"; fi
    row "ALS" "${IC[@]}" $mode --model als --factors 64 --regularization 1 --alpha 1 --iterations 15
    row "BPR" "${IC[@]}" $mode --model bpr --factors 64 --learning-rate 0.05 --regularization 0.02 --iterations 100 --threads 1
    row "item-kNN cosine" "${IC[@]}" $mode --model knn-cosine --neighbours 20
    row "item-kNN BM25" "${IC[@]}" $mode --model knn-bm25 --neighbours 20
    row "popularity" "${IC[@]}" $mode --model popularity
done

OR=(--input "$WORK/online-retail/train.csv" --test "$WORK/online-retail/test.csv" --columns user,item,count)
header "Online Retail, train before 2011-09-01, test from it on (net quantities; 'bought' = net quantity > 0), seen items filtered"
row "ALS, quantities (alpha 0.1, reg 1)" "${OR[@]}" --model als --factors 64 --regularization 1 --alpha 0.1 --iterations 15
row "ALS, bought (alpha 1, reg 0.01)" "${OR[@]}" --binary --model als --factors 64 --regularization 0.01 --alpha 1 --iterations 15
row "BPR" "${OR[@]}" --model bpr --factors 64 --learning-rate 0.05 --regularization 0.02 --iterations 100 --threads 1
row "item-kNN cosine, quantities" "${OR[@]}" --model knn-cosine --neighbours 20
row "item-kNN cosine, bought" "${OR[@]}" --binary --model knn-cosine --neighbours 20
row "item-kNN BM25, bought" "${OR[@]}" --binary --model knn-bm25 --neighbours 20
row "item-kNN TF-IDF, quantities" "${OR[@]}" --model knn-tfidf --neighbours 20
row "popularity" "${OR[@]}" --model popularity
# The blend weight 0.5 had the best recall@10 of 0, 0.25, 0.5, 0.75, 1 on the validation split (June-August).
row "hybrid: 0.5 ALS + 0.5 item-kNN cosine, bought" "${OR[@]}" --binary --model hybrid --blend-weight 0.5 --factors 64 --regularization 0.01 --alpha 1 --iterations 15 --neighbours 20
