// CDK assertions' matchers (Amazon.CDK.AWS.Events has a Match of its own), and the shape of a template fragment.
global using AMatch = Amazon.CDK.Assertions.Match;
global using Props = System.Collections.Generic.Dictionary<string, object>;
