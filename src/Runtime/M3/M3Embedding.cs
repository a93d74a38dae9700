namespace EmbedRt.M3;

/// <summary>BGE-M3's three representations of one text, from one forward pass.</summary>
/// <param name="Dense">The normalized CLS vector.</param>
/// <param name="Sparse">Lexical weights: token id → the largest relu(sparse_linear(h)) over its occurrences; special tokens and zero weights left out.</param>
/// <param name="ColBert">Multi-vector: colbert_linear of every token after CLS (the final &lt;/s&gt; included), each row normalized.</param>
public sealed record M3Embedding(float[] Dense, IReadOnlyDictionary<int, float> Sparse, float[][] ColBert);

/// <summary>BGE-M3 relevance scores of a query and a passage, as FlagEmbedding defines them.</summary>
/// <param name="Dense">Dot product of the dense vectors.</param>
/// <param name="Lexical">Sum over shared token ids of the products of their weights.</param>
/// <param name="ColBert">Mean over query vectors of the best dot product with a passage vector.</param>
/// <param name="SparseDense">(w_dense·dense + w_sparse·lexical) / (w_dense + w_sparse).</param>
/// <param name="ColBertSparseDense">(w_dense·dense + w_sparse·lexical + w_colbert·colbert) / (sum of the weights).</param>
public sealed record M3Scores(double Dense, double Lexical, double ColBert, double SparseDense, double ColBertSparseDense);
