namespace Engine.IO;

/// <summary>An array read from an .npy file: its elements in C (row-major) order and its shape.</summary>
/// <typeparam name="T">The element type the reader returned, whatever the file stores.</typeparam>
/// <param name="Data">The elements, last index fastest.</param>
/// <param name="Shape">The dimensions, outermost first; empty for a 0-d array.</param>
public readonly record struct NpyArray<T>(T[] Data, int[] Shape);
