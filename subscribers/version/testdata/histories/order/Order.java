// Orders each package's versions in a histories file (stdin to stdout) with
// Maven's own ComparableVersion (Debian's maven, maven-artifact 3.8.7):
//   java -cp /usr/share/maven/lib/maven-artifact-3.x.jar Order.java < in > out
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class Order {
    static int cmp(String a, String b) {
        return Integer.signum(new ComparableVersion(a).compareTo(new ComparableVersion(b)));
    }

    static void flush(List<String> vs) {
        vs.sort(Order::cmp);
        List<String> group = new ArrayList<>();
        for (String v : vs) {
            if (!group.isEmpty() && cmp(group.get(group.size() - 1), v) != 0) {
                System.out.println(String.join("\t", group));
                group.clear();
            }
            group.add(v);
        }
        if (!group.isEmpty()) System.out.println(String.join("\t", group));
        vs.clear();
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        List<String> vs = new ArrayList<>();
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("#")) {
                flush(vs);
                System.out.println(line);
            } else if (!line.isBlank()) {
                vs.addAll(Arrays.asList(line.split("\t")));
            }
        }
        flush(vs);
    }
}
