// CLVInsight reads what customers write: it takes embeddings, texts and summaries as values and returns values.
// It never imports a store; the workflow layer hands it what it needs.
