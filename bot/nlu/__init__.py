"""NLU helpers: the Jieba user dictionary built from the product catalogue."""
