// CLVNumerics: special functions, optimisers and BLAS-backed linear algebra shared by the models and the
// language-model runtime. Each capability lives in its own file.
