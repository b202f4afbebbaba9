namespace Engine.Detection;

/// <summary>The check COCO ground truth and detections share: every item's four bbox values and its one other value are finite.</summary>
internal static class CocoFiniteValues
{
    /// <summary>Throws on the first value that is NaN or infinite, naming the item.</summary>
    /// <param name="source">The file's name, for messages.</param>
    /// <param name="boxes">Per item, <c>x, y, w, h</c>.</param>
    /// <param name="values">Per item, its other value (an annotation's area, a detection's score).</param>
    /// <param name="valueName">The other value's name in messages.</param>
    /// <param name="valuesParameter">The parameter that passed <paramref name="values"/>, for the exception.</param>
    /// <param name="item">Names item i in messages.</param>
    /// <exception cref="ArgumentException">A value is not finite.</exception>
    internal static void Require(string source, double[] boxes, double[] values, string valueName, string valuesParameter, Func<int, string> item)
    {
        for (int i = 0; i < values.Length; i++)
        {
            for (int c = 0; c < 4; c++)
            {
                if (!double.IsFinite(boxes[4 * i + c]))
                    throw new ArgumentException($"{source}: {item(i)}: bbox value {c} is {boxes[4 * i + c]}, not a finite number.", nameof(boxes));
            }
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"{source}: {item(i)}: {valueName} is {values[i]}, not a finite number.", valuesParameter);
        }
    }
}
