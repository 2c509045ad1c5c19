/// Word-level differences between two versions of a text, for people comparing drafts.
public enum TextDiff {
    public enum Change: String, Sendable, Equatable {
        case same, removed, added
    }

    public struct Run: Sendable, Equatable {
        public var change: Change
        public var text: String
    }

    /// Largest middle section compared word by word (words × words); beyond it the middle shows as replaced whole.
    static let maximumCells = 4_000_000

    /// Runs of unchanged, removed and added text that turn `old` into `new`. Words keep
    /// their following whitespace, so joining the `same` and `added` runs gives `new` back.
    public static func runs(from old: String, to new: String) -> [Run] {
        let a = words(old)
        let b = words(new)
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let oldMiddle = Array(a[prefix..<(a.count - suffix)])
        let newMiddle = Array(b[prefix..<(b.count - suffix)])
        var changes: [(Change, Substring)] = a[..<prefix].map { (.same, $0) }
        if oldMiddle.count * newMiddle.count > maximumCells {
            changes += oldMiddle.map { (.removed, $0) } + newMiddle.map { (.added, $0) }
        } else {
            changes += commonSubsequenceDiff(oldMiddle, newMiddle)
        }
        changes += a[(a.count - suffix)...].map { (.same, $0) }
        var runs: [Run] = []
        for (change, word) in changes {
            if let last = runs.last, last.change == change {
                runs[runs.count - 1].text += word
            } else {
                runs.append(Run(change: change, text: String(word)))
            }
        }
        return runs
    }

    /// Splits into words, each with the whitespace that follows it.
    static func words(_ text: String) -> [Substring] {
        var result: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        var inSpace = false
        while index < text.endIndex {
            let isSpace = text[index].isWhitespace
            if inSpace, !isSpace {
                result.append(text[start..<index])
                start = index
            }
            inSpace = isSpace
            index = text.index(after: index)
        }
        if start < text.endIndex { result.append(text[start...]) }
        return result
    }

    private static func commonSubsequenceDiff(_ a: [Substring], _ b: [Substring]) -> [(Change, Substring)] {
        let width = b.count + 1
        var lengths = [Int32](repeating: 0, count: (a.count + 1) * width)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i * width + j] =
                    a[i] == b[j] ? lengths[(i + 1) * width + j + 1] + 1 : max(lengths[(i + 1) * width + j], lengths[i * width + j + 1])
            }
        }
        var changes: [(Change, Substring)] = []
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                changes.append((.same, a[i]))
                i += 1
                j += 1
            } else if i < a.count, j == b.count || lengths[(i + 1) * width + j] >= lengths[i * width + j + 1] {
                changes.append((.removed, a[i]))
                i += 1
            } else {
                changes.append((.added, b[j]))
                j += 1
            }
        }
        return changes
    }
}
