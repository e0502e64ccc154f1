namespace GeoOrs.Data.Synthetic;

/// <summary>
/// Approximate coordinates of about 230 US cities, used as the town centres of the counties that
/// contain them, so the busiest counties cluster their events where people live rather than at a
/// random point (the Mojave for Los Angeles or San Bernardino County).
/// </summary>
/// <remarks>
/// Coordinates are city-hall-ish points to about a kilometre, roughly in order of population, so
/// a county's first listed city is its main town. Counties without a listed city get town centres
/// drawn at random inside them. This is a convenience for plausible maps, not a gazetteer of record.
/// </remarks>
internal static class TownGazetteer
{
    /// <summary>The cities: (latitude, longitude), largest first.</summary>
    public static IReadOnlyList<(double Lat, double Lon)> Towns { get; } =
    [
        (40.7831, -73.9712), (40.6782, -73.9442), (40.7282, -73.7949), (40.8448, -73.8648), (40.5795, -74.1502), // New York boroughs
        (34.0522, -118.2437), (41.8781, -87.6298), (29.7604, -95.3698), (33.4484, -112.0740), (39.9526, -75.1652), // Los Angeles, Chicago, Houston, Phoenix, Philadelphia
        (29.4241, -98.4936), (32.7157, -117.1611), (32.7767, -96.7970), (37.3382, -121.8863), (30.2672, -97.7431), // San Antonio, San Diego, Dallas, San Jose, Austin
        (30.3322, -81.6557), (32.7555, -97.3308), (39.9612, -82.9988), (35.2271, -80.8431), (37.7749, -122.4194), // Jacksonville, Fort Worth, Columbus, Charlotte, San Francisco
        (39.7684, -86.1581), (47.6062, -122.3321), (39.7392, -104.9903), (38.9072, -77.0369), (42.3601, -71.0589), // Indianapolis, Seattle, Denver, Washington, Boston
        (31.7619, -106.4850), (36.1627, -86.7816), (42.3314, -83.0458), (35.4676, -97.5164), (45.5152, -122.6784), // El Paso, Nashville, Detroit, Oklahoma City, Portland
        (36.1699, -115.1398), (35.1495, -90.0490), (38.2527, -85.7585), (39.2904, -76.6122), (43.0389, -87.9065), // Las Vegas, Memphis, Louisville, Baltimore, Milwaukee
        (35.0844, -106.6504), (32.2226, -110.9747), (36.7378, -119.7871), (33.4152, -111.8315), (38.5816, -121.4944), // Albuquerque, Tucson, Fresno, Mesa, Sacramento
        (33.7490, -84.3880), (39.0997, -94.5786), (38.8339, -104.8214), (41.2565, -95.9345), (35.7796, -78.6382), // Atlanta, Kansas City, Colorado Springs, Omaha, Raleigh
        (25.7617, -80.1918), (33.7701, -118.1937), (36.8529, -75.9780), (37.8044, -122.2712), (44.9778, -93.2650), // Miami, Long Beach, Virginia Beach, Oakland, Minneapolis
        (36.1540, -95.9928), (27.9506, -82.4572), (32.7357, -97.1081), (29.9511, -90.0715), (37.6872, -97.3301), // Tulsa, Tampa, Arlington, New Orleans, Wichita
        (41.4993, -81.6944), (35.3733, -119.0187), (39.7294, -104.8319), (33.8366, -117.9143), (21.3069, -157.8583), // Cleveland, Bakersfield, Aurora, Anaheim, Honolulu
        (33.7455, -117.8677), (33.9806, -117.3755), (27.8006, -97.3964), (38.0406, -84.5037), (37.9577, -121.2908), // Santa Ana, Riverside, Corpus Christi, Lexington, Stockton
        (44.9537, -93.0900), (38.6270, -90.1994), (39.1031, -84.5120), (40.4406, -79.9959), (36.0726, -79.7920), // St. Paul, St. Louis, Cincinnati, Pittsburgh, Greensboro
        (61.2181, -149.9003), (33.0198, -96.6989), (40.8136, -96.7026), (28.5383, -81.3792), (40.7357, -74.1724), // Anchorage, Plano, Lincoln, Orlando, Newark
        (41.6528, -83.5379), (35.9940, -78.8986), (40.7178, -74.0431), (27.7676, -82.6403), (27.5306, -99.4803), // Toledo, Durham, Jersey City, St. Petersburg, Laredo
        (43.0731, -89.4012), (42.8864, -78.8784), (33.5779, -101.8552), (39.5296, -119.8138), (36.8508, -76.2859), // Madison, Buffalo, Lubbock, Reno, Norfolk
        (43.6150, -116.2023), (37.5407, -77.4360), (30.4515, -91.1871), (47.6588, -117.4260), (41.5868, -93.6250), // Boise, Richmond, Baton Rouge, Spokane, Des Moines
        (47.2529, -122.4443), (34.1083, -117.2898), (37.6391, -120.9969), (33.5186, -86.8104), (34.1975, -119.1771), // Tacoma, San Bernardino, Modesto, Birmingham, Oxnard
        (43.1566, -77.6088), (40.7608, -111.8910), (42.9634, -85.6681), (40.9312, -73.8988), (41.0814, -81.5190), // Rochester, Salt Lake City, Grand Rapids, Yonkers, Akron
        (34.7465, -92.2896), (34.7304, -86.5861), (33.4735, -82.0105), (32.5252, -93.7502), (38.9822, -94.6708), // Little Rock, Huntsville, Augusta, Shreveport, Overland Park
        (35.9606, -83.9207), (42.2626, -71.8023), (41.8240, -71.4128), (26.1224, -80.1373), (35.0456, -85.3097), // Knoxville, Worcester, Providence, Fort Lauderdale, Chattanooga
        (25.9017, -97.4975), (26.2034, -98.2300), (41.7658, -72.6734), (41.3083, -72.9279), (42.6526, -73.7562), // Brownsville, McAllen, Hartford, New Haven, Albany
        (43.0481, -76.1474), (40.6023, -75.4714), (39.7589, -84.1916), (41.0793, -85.1394), (26.7153, -80.0534), // Syracuse, Allentown, Dayton, Fort Wayne, West Palm Beach
        (26.6406, -81.8723), (28.0395, -81.9498), (47.9790, -122.2021), (40.8859, -74.0435), (40.7062, -73.6187), // Fort Myers, Lakeland, Everett, Hackensack, Hempstead
        (40.7812, -73.2462), (41.0340, -73.7629), (42.3736, -71.1097), (42.6334, -71.3162), (38.8304, -77.1964), // Brentwood NY, White Plains, Cambridge, Lowell, Annandale
        (39.0840, -77.1528), (38.9559, -76.9455), (42.6389, -83.2910), (42.5803, -83.0302), (29.6197, -95.6349), // Rockville, Hyattsville, Pontiac, Sterling Heights, Sugar Land
        (33.9562, -83.9880), (33.7748, -84.2963), (33.9526, -84.5499), (41.7508, -88.1535), (38.6426, -90.3237), // Lawrenceville, Decatur, Marietta, Naperville, Clayton
        (37.9780, -122.0311), (40.1215, -75.3399), (40.4862, -74.4518), (39.4015, -76.6019), (39.9259, -75.1196), // Concord, Norristown, New Brunswick, Towson, Camden
        (40.2171, -74.7429), (39.7391, -75.5398), (32.7765, -79.9311), (34.0007, -81.0348), (34.8526, -82.3940), // Trenton, Wilmington, Charleston SC, Columbia SC, Greenville SC
        (32.0809, -81.0912), (30.6954, -88.0399), (32.2988, -90.1848), (32.3792, -86.3077), (37.2090, -93.2923), // Savannah, Mobile, Jackson, Montgomery, Springfield MO
        (39.7817, -89.6501), (40.6936, -89.5890), (42.1015, -72.5898), (42.9956, -71.4548), (43.6591, -70.2568), // Springfield IL, Peoria, Springfield MA, Manchester, Portland ME
        (44.4759, -73.2121), (38.3498, -81.6326), (38.4192, -82.4452), (41.4090, -75.6624), (40.2732, -76.8867), // Burlington, Charleston WV, Huntington, Scranton, Harrisburg
        (40.0379, -76.3055), (42.1292, -80.0851), (41.0998, -80.6495), (40.7989, -81.3784), (43.0125, -83.6875), // Lancaster PA, Erie, Youngstown, Canton, Flint
        (42.7325, -84.5555), (42.2808, -83.7430), (42.2917, -85.5872), (41.6764, -86.2520), (37.9716, -87.5711), // Lansing, Ann Arbor, Kalamazoo, South Bend, Evansville
        (44.5133, -88.0133), (43.5446, -96.7311), (46.8772, -96.7898), (45.7833, -108.5007), (41.1400, -104.8202), // Green Bay, Sioux Falls, Fargo, Billings, Cheyenne
        (35.6870, -105.9378), (32.3199, -106.7637), (35.2220, -101.8313), (31.9973, -102.0779), (31.8457, -102.3676), // Santa Fe, Las Cruces, Amarillo, Midland, Odessa
        (31.5493, -97.1467), (31.1171, -97.7278), (30.0802, -94.1266), (30.2241, -92.0198), (30.2266, -93.2174), // Waco, Killeen, Beaumont, Lafayette, Lake Charles
        (30.4213, -87.2169), (30.4383, -84.2807), (29.6516, -82.3248), (29.2108, -81.0228), (29.1872, -82.1401), // Pensacola, Tallahassee, Gainesville, Daytona Beach, Ocala
        (27.3364, -82.5307), (26.1420, -81.7948), (27.2730, -80.3582), (28.0345, -80.5887), (44.9429, -123.0351), // Sarasota, Naples, Port St. Lucie, Palm Bay, Salem
        (44.0521, -123.0868), (42.3265, -122.8756), (40.5865, -122.3917), (38.4404, -122.7141), (36.6777, -121.6555), // Eugene, Medford, Redding, Santa Rosa, Salinas
        (34.4208, -119.6982), (36.3302, -119.2921), (33.8303, -116.5453), (34.6868, -118.1542), (33.1192, -117.0864), // Santa Barbara, Visalia, Palm Springs, Lancaster CA, Escondido
        (33.1959, -117.3795), (40.2338, -111.6585), (41.2230, -111.9738), (35.1983, -111.6513), (32.6927, -114.6277), // Oceanside, Provo, Ogden, Flagstaff, Yuma
        (36.0395, -114.9817), (40.5853, -105.0844), (38.2544, -104.6091), (39.0473, -95.6752), (38.9517, -92.3341), // Henderson, Fort Collins, Pueblo, Topeka, Columbia MO
        (41.9779, -91.6656), (41.5236, -90.5776), (42.2711, -89.0940), (41.5250, -88.0817), (41.5934, -87.3464), // Cedar Rapids, Davenport, Rockford, Joliet, Gary
        (42.3636, -87.8448), (42.0354, -88.2826), (40.4167, -86.8753), (38.9517, -77.4481), (37.2710, -79.9414), // Waukegan, Elgin, Lafayette IN, Dulles/Loudoun, Roanoke
        (36.5951, -82.1887), (35.5951, -82.5515), (36.0999, -80.2442), (35.0527, -78.8784), (34.2257, -77.9447), // Bristol, Asheville, Winston-Salem, Fayetteville, Wilmington NC
        (32.4610, -84.9877), (32.8407, -83.6324), (30.8327, -83.2785), (31.5785, -84.1557), (34.5037, -82.6501), // Columbus GA, Macon, Valdosta, Albany GA, Anderson
        (36.3729, -94.2088), (36.0822, -94.1719), (35.3859, -94.3985), (37.0842, -94.5133), (39.7675, -94.8467), // Bentonville, Fayetteville AR, Fort Smith, Joplin, St. Joseph
        (46.7867, -92.1005), (44.0121, -92.4802), (45.5579, -94.1632), (48.2330, -101.2923), (44.0805, -103.2310), // Duluth, Rochester MN, St. Cloud, Minot, Rapid City
        (46.5891, -112.0391), (46.8721, -113.9940), (45.6770, -111.0429), (42.8713, -112.4455), (43.4917, -112.0339), // Helena, Missoula, Bozeman, Pocatello, Idaho Falls
        (42.8501, -106.3252), (41.3114, -105.5911), (39.0639, -108.5506), (37.1041, -113.5841), (40.8324, -115.7631), // Casper, Laramie, Grand Junction, St. George, Elko
        (34.5400, -112.4685), (31.5455, -110.2773), (32.8795, -111.7574), (35.1894, -114.0530), (34.8958, -117.0173), // Prescott, Sierra Vista, Casa Grande, Kingman, Barstow
        (32.7920, -115.5631), (36.9741, -122.0308), (39.7285, -121.8375), (40.8021, -124.1637), (41.7354, -111.8344), // El Centro, Santa Cruz, Chico, Eureka, Logan
        (19.7297, -155.0900), (20.8893, -156.4729), (21.9811, -159.3711), (64.8378, -147.7164), (58.3019, -134.4197), // Hilo, Kahului, Lihue, Fairbanks, Juneau
        (41.1865, -73.1952), (41.0534, -73.5387), (41.5582, -73.0515), (41.3557, -72.0995), (41.7001, -70.3000), // Bridgeport, Stamford, Waterbury, New London, Barnstable
    ];

    /// <summary>The listed cities inside a county, largest first.</summary>
    /// <param name="shape">The county.</param>
    /// <returns>Their (longitude, latitude).</returns>
    public static IReadOnlyList<(double Lon, double Lat)> In(CountyShape shape) =>
        [.. Towns.Where(t => shape.Contains(t.Lon, t.Lat)).Select(t => (t.Lon, t.Lat))];
}
