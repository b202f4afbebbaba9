namespace Engine.Detection;

/// <summary>One prediction after ensemble-boxes' input fixing, with what fusion needs of it.</summary>
internal struct Candidate
{
    public double Score;   // score × the model's weight (WBF, NMW) or the weighted score (NMS)
    public double Weight;  // the model's weight
    public double X1, Y1, X2, Y2;
    public int Label;
    public int Model;      // index within the image
    public int Seq;        // position in ensemble-boxes' concatenation of the models' boxes
}
