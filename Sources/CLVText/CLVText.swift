// CLVText: the language-model runtime (tokenizers, BERT encoder, Llama decoder) on OpenBLAS.
